using System.Security.Cryptography;
using Concorde.Acme;
using Concorde.Acme.Keys;

namespace Concorde.Shaman;

/// <summary>The settings that can be checked without the network, checked before a run locks or writes anything:
/// a mistake found later would leave new keys and a changed shaman.json behind, or be charged to every domain.
/// One method per check; each throws a <see cref="ProfileException"/> (exit 2) naming the field, the file and
/// what to do.</summary>
public static class ProfilePreflight
{
    /// <summary>What the run reads the bundle with, so a bundle the check passes is one the run can load.</summary>
    private const long MaxBundleBytes = Acme.Http.AcmeHttpClientFactory.MaxCaBundleBytes;

    public static async Task CheckAsync(ProfileDocument document, ProfileSettings settings, ShamanEnvironment environment, CancellationToken ct)
    {
        CheckTrusted(document, settings, environment);
        await CheckCaBundleAsync(document, settings, environment.CaBundleFromEnvironment, ct);
        await CheckAccountKeyAsync(document, ct);
        CheckProgram(document, "deploy", settings.Deploy, environment.ProgramSearchPath);
        CheckProgram(document, "notify", settings.Notify, environment.ProgramSearchPath);
        foreach (var domain in settings.Domains)
            CheckProgram(document, $"\"deploy\" of {domain.Name}", domain.Deploy, environment.ProgramSearchPath);
    }

    /// <summary>StrictModes (<see cref="TrustedPath"/>) for everything the run trusts: the profile directory, shaman.json
    /// as it was read (its descriptor) and as its path resolves, every program it names and the CA bundle. Asked before
    /// the run and again once the lock is held, on the document read under the lock: whatever changed during
    /// --random-sleep or while another run held the lock is judged before it is used.</summary>
    public static void CheckTrusted(ProfileDocument document, ProfileSettings settings, ShamanEnvironment environment)
    {
        TrustedPath.Require(document.Directory, "the profile directory");
        TrustedPath.Require(document.FilePath, ProfileSettings.FileName);
        TrustedPath.Require(document.FilePath, document.ReadFileStatus, ProfileSettings.FileName);
        CheckProgramsTrusted(document, settings, environment.ProgramSearchPath);
        if ((settings.CaBundle ?? environment.CaBundleFromEnvironment) is { Length: > 0 } bundle)
            TrustedPath.Require(document.ResolvePath(bundle), settings.CaBundle is null ? "the CA bundle named by the environment" : "the CA bundle, \"caBundle\"");
    }

    /// <summary>StrictModes for every program shaman.json names, and the directory holding it (a writable directory
    /// lets another user replace the program). A program that cannot be found is not judged here: a missing
    /// authenticator is the domain's failure, a missing deploy or notify program is <see cref="CheckProgram"/>'s.</summary>
    private static void CheckProgramsTrusted(ProfileDocument document, ProfileSettings settings, string? searchPath)
    {
        var named = new List<(string Field, string Program)>();
        if (settings.Deploy is { } deploy) named.Add(("deploy", deploy));
        if (settings.Notify is { } notify) named.Add(("notify", notify));
        foreach (var (type, program) in settings.Authenticators) named.Add(($"authenticator {type}", program));
        foreach (var domain in settings.Domains)
        {
            if (domain.Deploy is { } own) named.Add(($"deploy of {domain.Name}", own));
            foreach (var (type, program) in domain.Authenticators) named.Add(($"authenticator {type} of {domain.Name}", program));
            foreach (var (type, program) in domain.Cleanup) named.Add(($"cleanup {type} of {domain.Name}", program));
        }
        var checkedPaths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (field, program) in named)
        {
            if (ProgramRunner.Resolve(program, document.Directory, searchPath) is not { } path) continue;
            if (checkedPaths.Add(path)) TrustedPath.Require(path, $"the {field} program named in {ProfileSettings.FileName}", strictParent: true);
        }
    }

    /// <summary>"caBundle" (else the environment's bundle) is readable and holds at least one certificate. Only the
    /// first certificate is looked at, so a large system bundle costs one read.</summary>
    private static async Task CheckCaBundleAsync(ProfileDocument document, ProfileSettings settings, string? fromEnvironment, CancellationToken ct)
    {
        var (bundle, where) = settings.CaBundle is { } configured
            ? (configured, $"the CA bundle, \"caBundle\" in {ProfileSettings.FileName}")
            : (fromEnvironment, "the CA bundle named by the environment");
        if (string.IsNullOrEmpty(bundle)) return;
        var path = document.ResolvePath(bundle);
        var text = Directory.Exists(path) ? null : await Acme.Files.SmallTextFile.TryReadAsync(path, MaxBundleBytes, ct);
        if (text is null)
            throw new ProfileException($"{path} ({where}): missing, unreadable, not a file or larger than {MaxBundleBytes / 1024 / 1024} MiB; point it at a PEM file of the CA's root certificates");
        if (!HoldsCertificate(text))
            throw new ProfileException($"{path} ({where}): holds no certificate (no \"-----BEGIN CERTIFICATE-----\" block); point it at a PEM file of the CA's root certificates");
    }

    /// <summary>The first CERTIFICATE block is base64 of one DER SEQUENCE. Not parsed further: that would load
    /// OpenSSL into every run, also those with nothing to do; the TLS handshake judges the certificate.</summary>
    private static bool HoldsCertificate(string pem)
    {
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                var der = new byte[fields.DecodedDataLength];
                return Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out var written)
                       && CertificateChain.IsDerSequence(der.AsSpan(0, written));
            }
            rest = rest[fields.Location.End..];
        }
        return false;
    }

    /// <summary>An existing account key (named by "key", else the default file a run would adopt) is a readable
    /// regular file holding a P-384 private key. The key is not imported when the file carries its public key,
    /// as PKCS#8 files written by concorde and OpenSSL do.</summary>
    private static async Task CheckAccountKeyAsync(ProfileDocument document, CancellationToken ct)
    {
        var recorded = new ProfileState(document).KeyFile;
        var path = document.ResolvePath(recorded ?? KeyStore.AccountKeyFileName);
        var where = recorded is null ? $"the account key {KeyStore.AccountKeyFileName} that a run would adopt" : $"\"key\" in {ProfileSettings.FileName}";
        var fix = "restore the account key from a backup, or move the file away" +
                  (recorded is null ? "" : $" and remove \"key\" and \"account_id\" from {ProfileSettings.FileName}") +
                  " so that shaman creates a new P-384 key and account";
        if (Directory.Exists(path))
            throw new ProfileException($"{path} ({where}): is a directory, not a key file; {fix}");
        if (recorded is null && !File.Exists(path)) return;
        var pem = await KeyFile.TryReadPemAsync(path, ct)
            ?? throw new ProfileException($"{path} ({where}): missing, unreadable or too large for a key; {fix}");
        if (KeyFile.TryReadPublicKeyInfo(pem) is not null) return;
        try
        {
            KeyFile.Parse(path, pem).Dispose();
        }
        catch (KeyFileException e)
        {
            throw new ProfileException($"{path} ({where}): {e.Reason}; {fix}");
        }
    }

    /// <summary>A program named by <paramref name="field"/> exists (in the profile or on PATH) and is executable.</summary>
    private static void CheckProgram(ProfileDocument document, string field, string? program, string? searchPath)
    {
        if (program is null) return;
        var where = $"\"{field}\" in {ProfileSettings.FileName}";
        var path = ProgramRunner.Resolve(program, document.Directory, searchPath)
            ?? throw new ProfileException($"{program} ({where}): not found in the profile directory or on PATH; install it or correct the name");
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((File.GetUnixFileMode(path) & anyExecute) == 0)
            throw new ProfileException($"{path} ({where}): not executable; chmod +x it");
    }
}
