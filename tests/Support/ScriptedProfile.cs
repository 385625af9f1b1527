using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Concorde.Acme.Crypto;
using Concorde.Acme.Keys;
using Concorde.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Support;

/// <summary>A profile directory for in-process runs against a <see cref="ScriptedCa"/>: an account key with its
/// recorded account, P-384 domain keys, and optionally an existing certificate, as an earlier run would have
/// left them. <see cref="RunAsync"/> drives <see cref="ShamanCommand"/> in process with a given clock and
/// randomness.</summary>
internal sealed class ScriptedProfile : IDisposable
{
    private const string AccountKeyFile = "account.key.priv.pem";

    private readonly TempDirectory _directory = new("concorde-shaman-scripted-");
    private readonly Dictionary<string, ECDsa> _keys = new(StringComparer.Ordinal);

    private ScriptedProfile()
    {
    }

    public string Directory => _directory.Path;
    public string PathOf(string file) => _directory.Combine(file);

    /// <summary>shaman.json for <see cref="ScriptedAcme.DirectoryUrl"/> with a recorded account and a key per domain.</summary>
    public static async Task<ScriptedProfile> CreateAsync(params string[] names)
    {
        var profile = new ScriptedProfile();
        using var accountKey = KeyCurve.Generate();
        await KeyFile.SaveAsync(profile.PathOf(AccountKeyFile), accountKey, CancellationToken.None);
        var domains = new JsonObject();
        foreach (var name in names)
        {
            var key = KeyCurve.Generate();
            profile._keys[name] = key;
            await KeyFile.SaveAsync(profile.PathOf($"{name}.key.priv.pem"), key, CancellationToken.None);
            domains[name] = new JsonObject { ["key"] = $"{name}.key.priv.pem" };
        }
        profile.Write(new JsonObject
        {
            ["server"] = ScriptedAcme.DirectoryUrl,
            ["key"] = AccountKeyFile,
            ["account_id"] = ScriptedAcme.AccountUrl,
            // As shaman records it with the account; without it the first run would write it (ServerChange).
            ["account_server"] = ScriptedAcme.DirectoryUrl,
            // A runnable authenticator, so a new order is placed (AuthenticatorAvailability); the scripted CA's
            // orders need no challenge, so it never runs.
            ["authenticators"] = new JsonObject { ["http-01"] = "true" },
            ["domains"] = domains,
        });
        return profile;
    }

    public ECDsa Key(string name) => _keys[name];

    public JsonObject Read() => JsonNode.Parse(File.ReadAllText(PathOf(ProfileSettings.FileName)))!.AsObject();

    public JsonObject ReadDomain(string name) => Read()["domains"]![name]!.AsObject();

    public void Write(JsonObject config) =>
        File.WriteAllText(PathOf(ProfileSettings.FileName), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    public void Update(Action<JsonObject> change)
    {
        var config = Read();
        change(config);
        Write(config);
    }

    public void UpdateDomain(string name, Action<JsonObject> change) => Update(config => change(config["domains"]![name]!.AsObject()));

    /// <summary>Places a certificate for the domain's key, as a run that issued it would have: the PEM chain in
    /// &lt;name&gt;.cert.pub.pem and its URL in certificate_id. Returns the leaf (the caller owns it).</summary>
    public X509Certificate2 InstallCertificate(string name, ThrowawayCa authority, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var leaf = authority.Issue(_keys[name], [name], notBefore, notAfter);
        File.WriteAllText(CertificatePath(name), authority.ChainPem(leaf));
        UpdateDomain(name, d => d["certificate_id"] = $"{ScriptedCa.CertificateUrlPrefix}installed-{name}");
        return leaf;
    }

    public string CertificatePath(string name) => PathOf($"{name}.cert.pub.pem");

    /// <summary>The leaf of the domain's certificate file.</summary>
    public X509Certificate2 Leaf(string name) => X509Certificate2.CreateFromPem(File.ReadAllText(CertificatePath(name)));

    /// <summary>Runs shaman in process on this profile: stdout and stderr captured, syslog to a socket nobody
    /// listens on, every request to <paramref name="ca"/>.</summary>
    public async Task<InProcessShamanRun> RunAsync(ScriptedCa ca, TimeProvider time, Random? random = null,
        bool outputIsRedirected = true, params string[] options)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var environment = new ShamanEnvironment(output, error, time, "0.0.0-test")
        {
            Random = random ?? new Random(1),
            OutputIsRedirected = outputIsRedirected,
            ProgramSearchPath = Environment.GetEnvironmentVariable("PATH"),
        };
        var overrides = new ShamanOverrides(SyslogSocket: _directory.Combine("no-syslog-here.sock"));
        using var http = new HttpClient(ca.Handler, disposeHandler: false);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string[] args = [.. options, Directory];
        var exit = await ShamanCommand.RunAsync(args, environment, overrides, http, deadline.Token);
        return new InProcessShamanRun(args, exit, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        foreach (var key in _keys.Values) key.Dispose();
        _directory.Dispose();
    }
}

/// <summary>One in-process shaman run.</summary>
internal sealed record InProcessShamanRun(IReadOnlyList<string> Args, int ExitCode, string Stdout, string Stderr)
{
    public InProcessShamanRun Exited(int expected)
    {
        Assert.True(ExitCode == expected, $"expected exit status {expected}:{Environment.NewLine}{this}");
        return this;
    }

    public IReadOnlyList<string> Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() =>
        $"$ shaman {string.Join(' ', Args)}{Environment.NewLine}exit {ExitCode}{Environment.NewLine}" +
        $"--- stdout ---{Environment.NewLine}{Stdout}--- stderr ---{Environment.NewLine}{Stderr}";
}
