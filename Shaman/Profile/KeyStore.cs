using System.Security.Cryptography;
using System.Text;
using Concorde.Acme.Crypto;
using Concorde.Acme.Files;
using Concorde.Acme.Keys;

namespace Concorde.Shaman;

/// <summary>Finds or creates the profile's keys. A key is written before its name is recorded, so a crash in
/// between leaves a key file that the next run adopts instead of replacing: a key is never lost or changed.
/// That adoption is also why the name is saved with the next change of shaman.json, not on its own.</summary>
public sealed class KeyStore(ProfileDocument document, ShamanLog log)
{
    public const string AccountKeyFileName = "account.key.priv.pem";
    private readonly ProfileState _state = new(document);

    /// <summary>The account key (`key` at the top of shaman.json, default file account.key.priv.pem).</summary>
    public async Task<ECDsa> AccountKeyAsync(CancellationToken ct) =>
        (await GetOrCreateAsync(_state.KeyFile, AccountKeyFileName, "account", _state.RecordKeyLaterAsync, adoptOtherKinds: false, ct))!;

    /// <summary>The domain's key, to order with: P-384 only.</summary>
    public async Task<ECDsa> DomainKeyAsync(DomainSettings domain, CancellationToken ct)
    {
        var state = _state.Domain(domain.Name);
        return (await GetOrCreateAsync(state.KeyFile, domain.KeyFileName, domain.Name, state.RecordKeyLaterAsync, adoptOtherKinds: false, ct))!;
    }

    /// <summary>As <see cref="DomainKeyAsync"/>, but an unrecorded key of another kind (another client's P-256 or RSA
    /// key, beside its certificate) is adopted too: recorded, not loaded (null). Its certificate serves until it is due;
    /// the order that replaces it replaces the key first (<see cref="ReplaceDomainKeyAsync"/>).</summary>
    public Task<ECDsa?> AdoptOrCreateDomainKeyAsync(DomainSettings domain, CancellationToken ct)
    {
        var state = _state.Domain(domain.Name);
        return GetOrCreateAsync(state.KeyFile, domain.KeyFileName, domain.Name, state.RecordKeyLaterAsync, adoptOtherKinds: true, ct);
    }

    /// <summary>--new-key: the old key is copied beside the file as `&lt;file&gt;.old-&lt;stamp&gt;` (0600), then a new key
    /// takes the file's place atomically (0600). Nothing to replace before the domain has a key. The caller forgets the
    /// certificate afterwards: a crash in between leaves a certificate that does not match the key, which the next run
    /// replaces as it would any such file.</summary>
    public async Task ReplaceDomainKeyAsync(DomainSettings domain, string stamp, CancellationToken ct)
    {
        if (_state.Domain(domain.Name).KeyFile is not { } recorded) return;
        var path = document.ResolvePath(recorded);
        if (await KeyFile.TryReadPemAsync(path, ct) is { } old)
            await AtomicFile.WriteAsync($"{path}.old-{stamp}", Encoding.ASCII.GetBytes(old), AtomicFile.PrivateMode, overwrite: false, ct);
        using var key = KeyCurve.Generate();
        await AtomicFile.WriteAsync(path, Encoding.ASCII.GetBytes(KeyFile.ToPem(key)), AtomicFile.PrivateMode, overwrite: true, ct,
            ceiling: AtomicFile.PrivateMode);
        log.Info($"{domain.Name}: replaced key {recorded}; the old one is {recorded}.old-{stamp}");
    }

    private async Task<ECDsa?> GetOrCreateAsync(string? recorded, string defaultFile, string owner,
        Func<string, CancellationToken, Task> record, bool adoptOtherKinds, CancellationToken ct)
    {
        if (recorded is not null) return await LoadAsync(document.ResolvePath(recorded), owner, ct);
        var path = document.ResolvePath(defaultFile);
        // Anything at that name, a dangling link included, is examined rather than written over.
        if (FileStatus.OfLink(path) is not null)
        {
            RefuseForeign(path, owner);
            if (adoptOtherKinds && await OtherKindAsync(path, ct) is { } kind)
            {
                log.Warning($"{owner}: using the existing key file {defaultFile} ({kind}), which shaman.json did not name yet, " +
                            "for its certificate only; the renewal makes a new P-384 key");
                await record(defaultFile, ct);
                return null;
            }
            var existing = await LoadAsync(path, owner, ct);
            log.Warning($"{owner}: using the existing key file {defaultFile}, which shaman.json did not name yet");
            await record(defaultFile, ct);
            return existing;
        }
        var key = KeyCurve.Generate();
        await KeyFile.SaveAsync(path, key, ct);
        log.Info($"{owner}: created key {defaultFile}");
        await record(defaultFile, ct);
        return key;
    }

    /// <summary>The kind of a readable private key other than P-384 ("ECDSA P-256", "RSA 2048"); null for P-384 or
    /// anything unreadable, which <see cref="LoadAsync"/> then reports.</summary>
    private static async Task<string?> OtherKindAsync(string path, CancellationToken ct) =>
        await KeyFile.TryReadPemAsync(path, ct) is { } pem && KeyFile.ReadAnyPublicKeyInfo(pem) is { } publicInfo
            ? KeyCurve.OtherKind(publicInfo)
            : null;

    /// <summary>A key file nobody recorded is adopted only when it is this user's (or root's) own regular file, readable
    /// by no one else: one planted by another user — whose private half that user knows — would otherwise become the
    /// account's or a certificate's key.</summary>
    private static void RefuseForeign(string path, string owner)
    {
        var status = FileStatus.OfLink(path);
        var problem = status switch
        {
            null => "cannot be examined",
            { IsRegular: false } => "is not a regular file (a link, a pipe, a directory)",
            { Owner: var uid } when uid != 0 && uid != FileStatus.EffectiveUser => $"belongs to another user (uid {uid})",
            { Permissions: var mode } when (mode & GroupOrOthers) != 0 => "is readable or writable by other users",
            _ => null,
        };
        if (problem is not null)
            throw new KeyFileException(path, $"{problem}, and shaman.json does not name it as the {owner} key, so it is not adopted. " +
                                             "If it is yours: chown it to this user and chmod 600 it; otherwise move it away and shaman creates a new key");
    }

    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                                               | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>A key that cannot be used is never replaced silently: the account or the deployed certificate
    /// depends on it. The error says how to get a new one on purpose.</summary>
    private static async Task<ECDsa> LoadAsync(string path, string owner, CancellationToken ct)
    {
        try
        {
            return await KeyFile.LoadAsync(path, ct);
        }
        catch (KeyFileException e)
        {
            throw new KeyFileException(e.Path, $"{e.Reason}. It is the {owner} key; restore it from a backup, or move the file " +
                $"away and remove its \"key\" entry from {ProfileSettings.FileName} so that shaman creates a new P-384 key " +
                (owner == "account" ? "(and, with it, a new account: remove \"account_id\" too)" : "(and orders a certificate for it)"), e);
        }
    }
}
