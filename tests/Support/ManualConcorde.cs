using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Xunit;

namespace Concorde.Tests.Support;

/// <summary>An administrator at a shell: runs the concorde binary against one Pebble (always with
/// `--ca-bundle`), keeps files in a temporary directory, and publishes challenge responses through
/// challtestsrv. Each step asserts that its command succeeded and returns what the next step needs.</summary>
internal sealed class ManualConcorde(PebbleServer server) : IDisposable
{
    private readonly TempDirectory files = new("concorde-cli-");
    private readonly CancellationTokenSource deadline = new(TimeSpan.FromSeconds(90));

    public PebbleServer Server { get; } = server;
    public string Directory => Server.DirectoryUrl.AbsoluteUri;

    /// <summary>Ends a hung test instead of the whole run.</summary>
    public CancellationToken Deadline => deadline.Token;

    public string PathOf(string name) => files.Combine(name);

    public static string UniqueName() => $"cli-{Guid.NewGuid():N}.example.com";

    /// <summary>`concorde --ca-bundle <pebble CA> args...`</summary>
    public Task<CliRun> RunAsync(CancellationToken ct, params string[] args) =>
        ConcordeBinary.RunAsync(["--ca-bundle", Server.CaBundlePath, .. args], ct);

    /// <summary>The same, with <paramref name="environment"/> set for the process.</summary>
    public Task<CliRun> RunAsync(IReadOnlyDictionary<string, string> environment, CancellationToken ct, params string[] args) =>
        ConcordeBinary.RunAsync(["--ca-bundle", Server.CaBundlePath, .. args], ct, environment);

    /// <summary>`concorde --ca-bundle ... reg <key> <account> <server> args...`</summary>
    public Task<CliRun> RegAsync(Account account, CancellationToken ct, params string[] args) =>
        RunAsync(ct, ["reg", account.KeyPath, account.Url.AbsoluteUri, Directory, .. args]);

    public async Task<string> CreateKeyAsync(string name, CancellationToken ct)
    {
        var path = PathOf(name);
        (await RunAsync(ct, "keys", "create", path)).Succeeded();
        return path;
    }

    public async Task<Account> CreateAccountAsync(CancellationToken ct, params string[] options)
    {
        var key = await CreateKeyAsync($"account-{Guid.NewGuid():N}.key", ct);
        var run = (await RunAsync(ct, ["unreg", key, Directory, "create", .. options])).Succeeded();
        return new Account(key, run.Header("Account"));
    }

    public async Task<Uri> CreateOrderAsync(Account account, IEnumerable<string> names, CancellationToken ct)
    {
        var run = (await RegAsync(account, ct, ["order", "create", .. names.Select(n => $"dns|{n}")])).Succeeded();
        return run.Header("Order");
    }

    /// <summary>A new order for one new name, and `order get-authz <order> 0` for it.</summary>
    public async Task<(Uri Order, CliRun Authorization)> OrderOneNameAsync(Account account, CancellationToken ct)
    {
        var order = await CreateOrderAsync(account, [UniqueName()], ct);
        return (order, (await RegAsync(account, ct, "order", "get-authz", order.AbsoluteUri, "0")).Succeeded());
    }

    /// <summary>get-authz → the challenge of <paramref name="type"/> → authorize → publish what it printed.</summary>
    public async Task<Uri> AuthorizeAndPublishAsync(Account account, Uri order, int index, string type, CancellationToken ct)
    {
        var authorization = (await RegAsync(account, ct, "order", "get-authz", order.AbsoluteUri, index.ToString())).Succeeded();
        var challenge = ChallengeUrl(authorization.Json(), type);
        var authorize = (await RegAsync(account, ct, "challenge", challenge.AbsoluteUri, "authorize",
            "--authz", authorization.Header("Authorization").AbsoluteUri)).Succeeded();
        var keyAuthorization = authorize.Line("Key authorization");
        switch (type)
        {
            case "dns-01":
                await Server.ChallengeServer.AddTxtAsync(authorize.Line("TXT record name") + ".", authorize.Line("TXT record value"), ct);
                break;
            case "http-01":
                var token = new Uri(authorize.Line("HTTP URL")).Segments[^1];
                await Server.ChallengeServer.AddHttp01Async(token, keyAuthorization, ct);
                break;
            default:
                throw new ArgumentException($"no publishing for {type}", nameof(type));
        }
        return challenge;
    }

    public async Task WaitUntilReadyAsync(Account account, Uri order, CancellationToken ct)
    {
        await Eventually.WaitUntilAsync(async () =>
        {
            var status = (await RegAsync(account, ct, "order", "status", order.AbsoluteUri)).Succeeded();
            return status.Json().GetProperty("status").GetString() == "ready";
        }, TimeSpan.FromSeconds(10), $"order {order} to become ready", ct);
    }

    /// <summary>The whole manual flow; returns the order, the certificate key and the PEM chain file.</summary>
    public async Task<Issued> IssueAsync(Account account, IReadOnlyList<string> names, string challengeType, CancellationToken ct)
    {
        var order = await CreateOrderAsync(account, names, ct);
        for (var index = 0; index < names.Count; index++)
        {
            var challenge = await AuthorizeAndPublishAsync(account, order, index, challengeType, ct);
            (await RegAsync(account, ct, "challenge", challenge.AbsoluteUri, "validate")).Succeeded();
        }
        await WaitUntilReadyAsync(account, order, ct);
        var certificateKey = await CreateKeyAsync($"cert-{Guid.NewGuid():N}.key", ct);
        (await RegAsync(account, ct, ["order", "finalize", order.AbsoluteUri, certificateKey, .. names])).Succeeded();
        var chain = (await RegAsync(account, ct, "order", "get-cert", order.AbsoluteUri)).Succeeded();
        var pemPath = PathOf($"cert-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(pemPath, chain.Stdout, ct);
        return new Issued(order, certificateKey, pemPath, chain.Stdout);
    }

    public Task<(string? Status, int? Reason)> CertificateStatusAsync(X509Certificate2 certificate, CancellationToken ct) =>
        Server.Management.CertificateStatusAsync(certificate, ct);

    public static Uri ChallengeUrl(JsonElement authorization, string type) =>
        new(authorization.GetProperty("challenges").EnumerateArray()
            .Single(c => c.GetProperty("type").GetString() == type).GetProperty("url").GetString()!);

    public static byte[] PublicKeyOf(string keyPath)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(keyPath));
        return key.ExportSubjectPublicKeyInfo();
    }

    public void Dispose()
    {
        files.Dispose();
        deadline.Dispose();
    }

    public sealed record Account(string KeyPath, Uri Url);

    public sealed record Issued(Uri Order, string CertificateKeyPath, string PemPath, string Pem)
    {
        public X509Certificate2 Leaf() => X509Certificate2.CreateFromPem(Pem);
    }
}
