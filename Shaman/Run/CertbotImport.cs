using System.Text;
using System.Text.Json.Nodes;
using Concorde.Acme;
using Concorde.Acme.Crypto;
using Concorde.Acme.Files;
using Concorde.Acme.Keys;

namespace Concorde.Shaman;

/// <summary>`shaman --import-certbot &lt;certbot config dir | renewal/NAME.conf&gt; [&lt;profile dir&gt;]`: each certbot
/// lineage becomes a domain of the profile — its names, its CA, its webroot (for contrib's http01-webroot), its deploy
/// hook — and its live certificate and key are copied beside shaman.json, where the next run adopts them until their
/// renewal time. Nothing of certbot's is changed; certbot's account is not taken over (shaman registers its own).</summary>
public static class CertbotImport
{
    /// <summary>contrib/authenticators/http01-webroot, which reads the document root from WEBROOT.</summary>
    private const string WebrootAuthenticator = "http01-webroot";
    private const string Http01 = "http-01";

    public static async Task<int> RunAsync(string source, string profileDirectory, ShamanEnvironment environment, bool quiet, CancellationToken ct)
    {
        var log = new ShamanLog(environment.Out, syslog: null, LogLevel.Info, quiet);
        var directory = Path.GetFullPath(profileDirectory);
        try
        {
            if (!Directory.Exists(directory)) throw new ProfileException($"{directory}: no such profile directory; create it first");
            var confs = RenewalConfs(Path.GetFullPath(source));
            using var runLock = RunLock.TryAcquire(directory);
            if (runLock is null)
            {
                await environment.Error.WriteLineAsync($"shaman: another shaman is working on {directory}; nothing done");
                return ShamanExitCodes.Locked;
            }
            var jsonPath = Path.Combine(directory, ProfileSettings.FileName);
            if (!File.Exists(jsonPath))
                await AtomicFile.WriteAsync(jsonPath, "{\"domains\": {}}\n"u8.ToArray(), AtomicFile.PrivateMode, overwrite: false, ct);
            var document = await ProfileDocument.LoadAsync(directory, ct);
            foreach (var conf in confs) await ImportAsync(conf, document, log, ct);
            ProfileSettings.Parse(document.Root);
            return ShamanExitCodes.Success;
        }
        catch (ProfileException e)
        {
            await environment.Error.WriteLineAsync($"shaman: {e.Message}");
            return ShamanExitCodes.Usage;
        }
    }

    /// <summary>A certbot config dir (every `renewal/*.conf`) or one renewal conf.</summary>
    private static List<(CertbotRenewalConf Conf, string LiveDirectory)> RenewalConfs(string source)
    {
        var files = File.Exists(source) ? [source]
            : Directory.Exists(Path.Combine(source, "renewal")) ? Directory.GetFiles(Path.Combine(source, "renewal"), "*.conf").Order(StringComparer.Ordinal).ToArray()
            : throw new ProfileException($"{source}: neither a certbot config directory (with renewal/) nor a renewal .conf file");
        if (files.Length == 0) throw new ProfileException($"{source}/renewal: holds no .conf file; nothing to import");
        return files.Select(file =>
        {
            var name = Path.GetFileNameWithoutExtension(file);
            // renewal/NAME.conf lives beside live/NAME/, where certbot keeps links to the current files.
            var live = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(file))!, "live", name);
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (ExpectedFailure.IsFileProblem(e))
            {
                throw new ProfileException($"{file}: cannot be read ({e.Message})");
            }
            return (CertbotRenewalConf.Parse(name, text), live);
        }).ToList();
    }

    private static async Task ImportAsync((CertbotRenewalConf Conf, string LiveDirectory) lineage, ProfileDocument document, ShamanLog log, CancellationToken ct)
    {
        var (conf, live) = lineage;
        var fullchainPath = Existing(conf.Fullchain) ?? Path.Combine(live, "fullchain.pem");
        var keyPath = Existing(conf.PrivateKey) ?? Path.Combine(live, "privkey.pem");
        var fullchain = await CertificateFile.ReadAsync(fullchainPath, ct);
        var (certificate, problem) = CertificateFacts.Read(fullchain);
        if (certificate is null) throw new ProfileException($"{fullchainPath}: the certificate of certbot's {conf.Name} {problem}; nothing imported for it");
        var keyPem = await KeyFile.TryReadPemAsync(keyPath, ct);
        var keyInfo = keyPem is null ? null : KeyFile.ReadAnyPublicKeyInfo(keyPem);
        if (keyInfo is null || !PublicKeyMatch.BelongsTo(certificate.SubjectPublicKeyInfo, keyInfo))
            throw new ProfileException($"{keyPath}: not the private key of {fullchainPath} (missing, unreadable, encrypted or another key's); nothing imported for {conf.Name}");

        var names = certificate.DnsNames.Select(n => n.ToLowerInvariant()).Order(StringComparer.Ordinal).ToList();
        var name = names.Contains(conf.Name, StringComparer.Ordinal) ? conf.Name
            : names.FirstOrDefault() ?? throw new ProfileException($"{fullchainPath}: names no DNS name; nothing imported for {conf.Name}");
        if (document.Root["domains"]?[name] is not null)
            throw new ProfileException($"{name}: already a domain of {document.FilePath}; nothing imported for certbot's {conf.Name}");
        var domain = new JsonObject();
        if (names.Count > 1) domain["altNames"] = new JsonArray([.. names.Where(n => n != name).Select(n => (JsonNode)n)]);
        var top = document.Root;
        if (conf.Server is { } server)
        {
            if (top["server"] is null) await document.UpdateTopAsync(root => root["server"] = server, ct);
            else if (top["server"]!.GetValue<string>().TrimEnd('/') != server.TrimEnd('/'))
                throw new ProfileException($"certbot's {conf.Name} uses {server}, the profile {top["server"]}: one profile has one CA; import it into another profile directory");
        }
        if (conf.Authenticator == "webroot")
        {
            domain["environment"] = new JsonObject { ["WEBROOT"] = Webroot(conf, names) };
            if (top["authenticators"] is null)
                await document.UpdateTopAsync(root => root["authenticators"] = new JsonObject { [Http01] = WebrootAuthenticator }, ct);
            else if (top["authenticators"]?[Http01]?.GetValue<string>() != WebrootAuthenticator)
                domain["authenticators"] = new JsonObject { [Http01] = WebrootAuthenticator };
            log.Info($"{name}: http-01 through {WebrootAuthenticator} (contrib/authenticators; Debian: /usr/share/doc/concorde/examples/authenticators/) " +
                     "— install it in the profile directory or on PATH before the renewal");
        }
        else
        {
            log.Warning($"{name}: certbot's authenticator \"{conf.Authenticator}\" has no shaman counterpart here; " +
                        $"set \"authenticators\" for it in {ProfileSettings.FileName} before {certificate.NotAfter:yyyy-MM-dd}");
        }
        if (conf.DeployHook is { } hook) domain["deploy"] = await DeployProgramAsync(document, name, hook, log, ct);

        var keyFile = $"{name}.key.priv.pem";
        domain["key"] = keyFile;
        // The key first and never over another: a crash leaves a key the next import or run adopts, not a lost one.
        await WriteNewAsync(document.ResolvePath(keyFile), keyPem!, AtomicFile.PrivateMode, ct);
        await WriteNewAsync(document.ResolvePath($"{name}.cert.pub.pem"), fullchain!, AtomicFile.PublicMode, ct);
        await document.UpdateAllAsync(root => (root["domains"] ??= new JsonObject()).AsObject()[name] = domain, ct);
        var kind = KeyCurve.OtherKind(keyInfo);
        log.Info($"{name}: imported certbot's {conf.Name} ({string.Join(", ", names)}), valid until {certificate.NotAfter:yyyy-MM-dd HH:mm} UTC" +
                 (kind is null ? "" : $"; its {kind} key serves it until the renewal, which makes a new P-384 key"));
    }

    private static string? Existing(string? path) => path is not null && File.Exists(path) ? path : null;

    /// <summary>One document root for the domain: http01-webroot takes one WEBROOT per domain.</summary>
    private static string Webroot(CertbotRenewalConf conf, IReadOnlyList<string> names)
    {
        var roots = names.Select(n => conf.WebrootMap.GetValueOrDefault(n)).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (roots.Count == 0) roots = [.. conf.WebrootPaths.Distinct(StringComparer.Ordinal)];
        return roots.Count == 1 ? roots[0]
            : throw new ProfileException(roots.Count == 0
                ? $"certbot's {conf.Name} uses webroot but names no webroot_path; nothing imported for it"
                : $"certbot's {conf.Name} serves its names from several webroots ({string.Join(", ", roots)}); shaman's {WebrootAuthenticator} " +
                  "takes one WEBROOT per domain: serve them from one directory, or split the names into several domains by hand");
    }

    /// <summary>certbot runs its hook through a shell; shaman runs a program. A single path is used as it is; a command
    /// line goes into an executable script in the profile.</summary>
    private static async Task<string> DeployProgramAsync(ProfileDocument document, string name, string hook, ShamanLog log, CancellationToken ct)
    {
        if (hook.Contains("RENEWED_", StringComparison.Ordinal))
            log.Warning($"{name}: certbot's deploy hook uses RENEWED_LINEAGE or RENEWED_DOMAINS, which shaman does not set; " +
                        "it sets CONCORDE_DOMAIN, CONCORDE_CERT_PATH and CONCORDE_KEY_PATH");
        if (!hook.Any(char.IsWhiteSpace) && hook.StartsWith('/')) return hook;
        var script = $"{name}.deploy.sh";
        const UnixFileMode executable = AtomicFile.PublicMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        await WriteNewAsync(document.ResolvePath(script), $"#!/bin/sh\n# certbot's deploy hook for {name}, imported by shaman --import-certbot\n{hook}\n", executable, ct);
        return script;
    }

    private static async Task WriteNewAsync(string path, string text, UnixFileMode mode, CancellationToken ct)
    {
        if (FileStatus.OfLink(path) is not null) throw new ProfileException($"{path}: exists already; nothing is written over it (move it away to import)");
        await AtomicFile.WriteAsync(path, Encoding.ASCII.GetBytes(text), mode, overwrite: false, ct);
    }
}
