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
            using var runLock = RunLock.TryAcquire(directory, environment.Time.GetUtcNow(), out _);
            if (runLock is null)
            {
                await environment.Error.WriteLineAsync($"shaman: another shaman is working on {directory}; nothing done");
                return ShamanExitCodes.Locked;
            }
            var jsonPath = Path.Combine(directory, ProfileSettings.FileName);
            var existing = File.Exists(jsonPath) ? await ProfileDocument.LoadAsync(directory, ct) : null;
            // Every lineage is checked, and the resulting shaman.json validated, before anything is written.
            var result = existing?.Root.DeepClone().AsObject() ?? new JsonObject { ["domains"] = new JsonObject() };
            var lineages = new List<Lineage>();
            foreach (var conf in confs)
            {
                var lineage = await ReadAsync(conf, result, directory, log, ct);
                lineage.Change(result);
                lineages.Add(lineage);
            }
            ProfileSettings.Parse(result);
            if (existing is null)
                await AtomicFile.WriteAsync(jsonPath, "{\"domains\": {}}\n"u8.ToArray(), AtomicFile.PrivateMode, overwrite: false, ct);
            var document = existing ?? await ProfileDocument.LoadAsync(directory, ct);
            foreach (var lineage in lineages) await WriteAsync(lineage, document, log, ct);
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

    /// <summary>One lineage, read and checked: the files to copy and the change to shaman.json.</summary>
    private sealed record Lineage(string Name, string Source, string Summary, string KeyPem, string Fullchain, Action<JsonObject> Change,
        string? DeployScript, string? DeployHook);

    private static async Task<Lineage> ReadAsync((CertbotRenewalConf Conf, string LiveDirectory) lineage, JsonObject root, string directory,
        ShamanLog log, CancellationToken ct)
    {
        var (conf, live) = lineage;
        var fullchainPath = Existing(conf.Fullchain) ?? Path.Combine(live, "fullchain.pem");
        var keyPath = Existing(conf.PrivateKey) ?? Path.Combine(live, "privkey.pem");
        var fullchain = await CertificateFile.ReadAsync(fullchainPath, ct);
        var (certificate, problem) = CertificateFacts.Read(fullchain);
        if (certificate is null) throw new ProfileException($"{fullchainPath}: the certificate of certbot's {conf.Name} {problem}; nothing imported");
        var keyPem = await KeyFile.TryReadPemAsync(keyPath, ct);
        var keyInfo = keyPem is null ? null : KeyFile.ReadAnyPublicKeyInfo(keyPem);
        if (keyInfo is null || !PublicKeyMatch.BelongsTo(certificate.SubjectPublicKeyInfo, keyInfo))
            throw new ProfileException($"{keyPath}: not the private key of {fullchainPath} (missing, unreadable, encrypted or another key's); nothing imported");

        var names = certificate.DnsNames.Select(n => n.ToLowerInvariant()).Order(StringComparer.Ordinal).ToList();
        var name = names.Contains(conf.Name, StringComparer.Ordinal) ? conf.Name
            : names.FirstOrDefault() ?? throw new ProfileException($"{fullchainPath}: names no DNS name; nothing imported");
        if (root["domains"]?[name] is not null)
            throw new ProfileException($"{name}: already a domain of the profile; nothing imported (certbot's {conf.Name})");
        foreach (var file in new[] { $"{name}.key.priv.pem", $"{name}.cert.pub.pem", $"{name}.deploy.sh" })
            RefuseExisting(Path.Combine(directory, file));
        var domain = new JsonObject();
        if (names.Count > 1) domain["altNames"] = new JsonArray([.. names.Where(n => n != name).Select(n => (JsonNode)n)]);
        var setServer = false;
        if (conf.Server is { } server)
        {
            if (root["server"] is not JsonValue current) setServer = true;
            else if (current.ToString().TrimEnd('/') != server.TrimEnd('/'))
                throw new ProfileException($"certbot's {conf.Name} uses {server}, the profile {current}: one profile has one CA; import it into another profile directory; nothing imported");
        }
        var setAuthenticators = false;
        if (conf.Authenticator == "webroot")
        {
            domain["environment"] = new JsonObject { ["WEBROOT"] = Webroot(conf, names) };
            if (root["authenticators"] is null) setAuthenticators = true;
            else if (root["authenticators"]?[Http01]?.ToString() != WebrootAuthenticator)
                domain["authenticators"] = new JsonObject { [Http01] = WebrootAuthenticator };
            log.Info($"{name}: http-01 through {WebrootAuthenticator} (contrib/authenticators; Debian: /usr/share/doc/concorde/examples/authenticators/) " +
                     "— install it in the profile directory or on PATH before the renewal");
        }
        else
        {
            log.Warning($"{name}: certbot's authenticator \"{conf.Authenticator}\" has no shaman counterpart here; " +
                        $"set \"authenticators\" for it in {ProfileSettings.FileName} before {certificate.NotAfter:yyyy-MM-dd}");
        }
        var (deploy, script) = conf.DeployHook is { } hook ? DeployProgram(name, hook, log) : (null, null);
        if (deploy is not null) domain["deploy"] = deploy;
        domain["key"] = $"{name}.key.priv.pem";
        var kind = KeyCurve.OtherKind(keyInfo);
        var summary = $"{name}: imported certbot's {conf.Name} ({string.Join(", ", names)}), valid until {certificate.NotAfter:yyyy-MM-dd HH:mm} UTC" +
                      (kind is null ? "" : $"; its {kind} key serves it until the renewal, which makes a new P-384 key");
        return new Lineage(name, conf.Name, summary, keyPem!, fullchain!, target =>
        {
            if (setServer) target["server"] = conf.Server;
            if (setAuthenticators) target["authenticators"] = new JsonObject { [Http01] = WebrootAuthenticator };
            (target["domains"] ??= new JsonObject()).AsObject()[name] = domain.DeepClone();
        }, script, conf.DeployHook);
    }

    /// <summary>The key first and never over another file: a crash leaves a key the next run adopts, not a lost one;
    /// shaman.json last, in one write.</summary>
    private static async Task WriteAsync(Lineage lineage, ProfileDocument document, ShamanLog log, CancellationToken ct)
    {
        await WriteNewAsync(document.ResolvePath($"{lineage.Name}.key.priv.pem"), lineage.KeyPem, AtomicFile.PrivateMode, ct);
        await WriteNewAsync(document.ResolvePath($"{lineage.Name}.cert.pub.pem"), lineage.Fullchain, AtomicFile.PublicMode, ct);
        if (lineage.DeployScript is { } script)
        {
            const UnixFileMode executable = AtomicFile.PublicMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            await WriteNewAsync(document.ResolvePath(script),
                $"#!/bin/sh\n# certbot's deploy hook for {lineage.Source}, imported by shaman --import-certbot\n{lineage.DeployHook}\n", executable, ct);
        }
        await document.UpdateAllAsync(lineage.Change, ct);
        log.Info(lineage.Summary);
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

    /// <summary>certbot runs its hook through a shell; shaman runs a program. A single absolute path is used as it is; a
    /// command line goes into an executable script in the profile (the program and that script's name).</summary>
    private static (string Program, string? Script) DeployProgram(string name, string hook, ShamanLog log)
    {
        if (hook.Contains("RENEWED_", StringComparison.Ordinal))
            log.Warning($"{name}: certbot's deploy hook uses RENEWED_LINEAGE or RENEWED_DOMAINS, which shaman does not set; " +
                        "it sets CONCORDE_DOMAIN, CONCORDE_CERT_PATH and CONCORDE_KEY_PATH");
        if (!hook.Any(char.IsWhiteSpace) && hook.StartsWith('/')) return (hook, null);
        var script = $"{name}.deploy.sh";
        return (script, script);
    }

    private static void RefuseExisting(string path)
    {
        if (FileStatus.OfLink(path) is not null) throw new ProfileException($"{path}: exists already; nothing is written over it (move it away to import)");
    }

    private static async Task WriteNewAsync(string path, string text, UnixFileMode mode, CancellationToken ct)
    {
        RefuseExisting(path);
        await AtomicFile.WriteAsync(path, Encoding.ASCII.GetBytes(text), mode, overwrite: false, ct);
    }
}
