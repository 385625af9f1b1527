using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests.Support;

/// <summary>A temporary shaman profile directory for one Pebble: authenticator scripts that publish through
/// challtestsrv's management API with curl (as an administrator's would publish to a web root or DNS), the
/// shaman.json, and checks of what a run left behind.</summary>
internal sealed class ShamanProfile : IDisposable
{
    /// <summary>Authenticator scripts written into every profile, named by what they do.</summary>
    public const string Http01 = "publish-http01.sh";
    public const string Dns01 = "publish-dns01.sh";
    public const string TlsAlpn01 = "publish-tlsalpn01.sh";
    public const string Failing = "refuse.sh";
    /// <summary>Touches <see cref="SlowStartedMarker"/>, sleeps 3 s, then publishes the http-01 response.</summary>
    public const string SlowHttp01 = "slow-publish-http01.sh";
    public const string SlowStartedMarker = "slow-authenticator.started";

    public const string AccountKeyFile = "account.key.priv.pem";
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const string DirectoryPrefix = "concorde-shaman-profile-";

    private readonly TempDirectory _directory;

    /// <param name="parentDirectory">Where the profile directory is made; default: the system temp directory.</param>
    public ShamanProfile(PebbleServer server, string? parentDirectory = null)
    {
        _directory = parentDirectory is null ? new TempDirectory(DirectoryPrefix) : new TempDirectory(DirectoryPrefix, parentDirectory);
        Server = server;
        var api = server.ChallengeServerUrl.AbsoluteUri.TrimEnd('/');
        // Every script reads the two stdin lines of the original protocol and checks that the environment agrees.
        const string readStdin = """
            read -r token || exit 10
            read -r key_authorization || exit 11
            [ "$token" = "$CONCORDE_TOKEN" ] && [ "$key_authorization" = "$CONCORDE_KEY_AUTHORIZATION" ] || { echo "stdin and environment disagree" >&2; exit 12; }
            """;
        var post = $"curl -sS --fail --noproxy '*' -H 'Content-Type: application/json' -o /dev/null";
        WriteScript(Http01, $$"""
            {{readStdin}}
            [ "$CONCORDE_CHALLENGE_TYPE" = http-01 ] || exit 13
            {{post}} -d "{\"token\":\"$token\",\"content\":\"$key_authorization\"}" {{api}}/add-http01 || exit 14
            echo "published http-01 response for $CONCORDE_IDENTIFIER"
            """);
        WriteScript(Dns01, $$"""
            {{readStdin}}
            [ "$CONCORDE_CHALLENGE_TYPE" = dns-01 ] && [ "$CONCORDE_DNS_NAME" = "_acme-challenge.$CONCORDE_IDENTIFIER" ] || exit 13
            {{post}} -d "{\"host\":\"$CONCORDE_DNS_NAME.\",\"value\":\"$CONCORDE_DNS_VALUE\"}" {{api}}/set-txt || exit 14
            echo "published TXT $CONCORDE_DNS_NAME"
            """);
        WriteScript(TlsAlpn01, $$"""
            {{readStdin}}
            [ "$CONCORDE_CHALLENGE_TYPE" = tls-alpn-01 ] || exit 13
            {{post}} -d "{\"host\":\"$CONCORDE_IDENTIFIER\",\"content\":\"$key_authorization\"}" {{api}}/add-tlsalpn01 || exit 14
            echo "published tls-alpn-01 certificate for $CONCORDE_IDENTIFIER"
            """);
        WriteScript(Failing, """
            read -r token
            read -r key_authorization
            echo "refusing to publish for $CONCORDE_IDENTIFIER" >&2
            exit 1
            """);
        WriteScript(SlowHttp01, $"""
            : > {SlowStartedMarker}
            sleep 3
            exec ./{Http01}
            """);
    }

    public PebbleServer Server { get; }
    public string Directory => _directory.Path;
    public string JsonPath => PathOf("shaman.json");

    public string PathOf(string file) => _directory.Combine(file);

    /// <summary>A name no other test uses, so Pebble never reuses another test's authorization.</summary>
    public static string UniqueName(string label = "shaman") => $"{label}-{Guid.NewGuid():N}.example.com";

    public static string KeyFile(string name) => $"{name}.key.priv.pem";
    public static string CertificateFile(string name) => $"{name}.cert.pub.pem";

    /// <summary>{"server", "caBundle", "renewal", "authenticators", "domains"} for this Pebble.</summary>
    public JsonObject Config(JsonObject authenticators, JsonObject domains, double? renewal = 30)
    {
        var config = new JsonObject
        {
            ["server"] = Server.DirectoryUrl.AbsoluteUri,
            ["caBundle"] = Server.CaBundlePath,
            ["authenticators"] = authenticators,
            ["domains"] = domains,
        };
        if (renewal is { } days) config["renewal"] = days;
        return config;
    }

    /// <summary>One domain with no settings of its own, the profile-wide authenticator for <paramref name="challengeType"/>.</summary>
    public JsonObject Config(string challengeType, string program, params string[] names) =>
        Config(new JsonObject { [challengeType] = program }, Domains(names));

    public static JsonObject Domains(params string[] names)
    {
        var domains = new JsonObject();
        foreach (var name in names) domains[name] = new JsonObject();
        return domains;
    }

    public void Write(JsonObject config) => Write(config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    public void Write(string text) => File.WriteAllText(JsonPath, text);

    public string Text() => File.ReadAllText(JsonPath);

    public JsonObject Read() => JsonNode.Parse(Text())?.AsObject() ?? throw new InvalidDataException("shaman.json is null");

    public JsonObject ReadDomain(string name) => Read()["domains"]![name]!.AsObject();

    /// <summary>Changes settings between runs, keeping the state shaman recorded.</summary>
    public void Update(Action<JsonObject> change)
    {
        var config = Read();
        change(config);
        Write(config);
    }

    public Task<ShamanRun> RunAsync(IReadOnlyDictionary<string, string>? environment = null) =>
        ShamanProcess.RunAsync([Directory], environment);

    /// <summary>shaman with <paramref name="options"/> before the profile directory.</summary>
    public Task<ShamanRun> RunAsync(IReadOnlyList<string> options, IReadOnlyDictionary<string, string>? environment = null) =>
        ShamanProcess.RunAsync([.. options, Directory], environment);

    /// <summary>Every file of the profile directory with its content and modification time; of the lock file only that it
    /// exists (.NET cannot open it while a running shaman holds its flock, and its time is when a run last took it).</summary>
    public IReadOnlyDictionary<string, (string Content, DateTime Modified)> Snapshot() =>
        System.IO.Directory.EnumerateFiles(Directory).ToDictionary(
            path => Path.GetFileName(path),
            path => Path.GetFileName(path) == RunLock.FileName ? ("", default) : (File.ReadAllText(path), File.GetLastWriteTimeUtc(path)));

    /// <summary>Checks everything a finished issuance promises for <paramref name="name"/> and returns the leaf:
    /// the ids recorded, no order left, the full chain on disk, the leaf for the domain's own key (mode 0600)
    /// and its name.</summary>
    public X509Certificate2 AssertCertificate(string name)
    {
        var root = Read();
        Assert.StartsWith("https://", root["account_id"]?.GetValue<string>() ?? "", StringComparison.Ordinal);
        Assert.Equal(AccountKeyFile, root["key"]?.GetValue<string>());
        var domain = root["domains"]![name]!.AsObject();
        Assert.StartsWith("https://", domain["certificate_id"]?.GetValue<string>() ?? "", StringComparison.Ordinal);
        Assert.False(domain.ContainsKey("order_id"), $"order_id is dropped once the certificate is there:{Environment.NewLine}{Text()}");
        Assert.Equal(KeyFile(name), domain["key"]?.GetValue<string>());
        Assert.Equal(PrivateMode, File.GetUnixFileMode(PathOf(AccountKeyFile)));
        Assert.Equal(PrivateMode, File.GetUnixFileMode(PathOf(KeyFile(name))));

        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(File.ReadAllText(PathOf(CertificateFile(name))));
        Assert.True(chain.Count >= 2, "the certificate file holds the full chain: leaf and intermediate");
        var leaf = chain[0];
        Assert.Equal(chain[1].SubjectName.RawData, leaf.IssuerName.RawData);
        using var domainKey = LoadKey(KeyFile(name));
        using var leafKey = leaf.GetECDsaPublicKey() ?? throw new InvalidDataException("the leaf has no ECDSA key");
        Assert.Equal(Convert.ToHexString(domainKey.ExportSubjectPublicKeyInfo()), Convert.ToHexString(leafKey.ExportSubjectPublicKeyInfo()));
        Assert.Contains(name, CertificateNames.DnsNames(leaf));
        Assert.True(leaf.NotAfter > DateTime.Now, "the certificate is current");
        return leaf;
    }

    /// <summary>No ".tmp" left behind: every file shaman wrote was renamed into place or removed.</summary>
    public void AssertNoTemporaryFiles() =>
        Assert.DoesNotContain(System.IO.Directory.EnumerateFileSystemEntries(Directory), f => f.EndsWith(".tmp", StringComparison.Ordinal));

    public ECDsa LoadKey(string file)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(PathOf(file)));
        return key;
    }

    /// <summary>Writes an executable /bin/sh script <paramref name="name"/> into the profile.</summary>
    public void WriteScript(string name, string body)
    {
        var path = PathOf(name);
        File.WriteAllText(path, "#!/bin/sh\n" + body.ReplaceLineEndings("\n") + "\n", new UTF8Encoding(false));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => _directory.Dispose();
}
