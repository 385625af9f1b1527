using System.Security.Cryptography.X509Certificates;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Cli;

/// <summary>A Pebble whose certificates come with two alternate chains.</summary>
public sealed class CliAlternateRootsFixture() : PebbleFixture(new PebbleOptions
{
    EnvironmentVariables = new Dictionary<string, string> { ["PEBBLE_ALTERNATE_ROOTS"] = "2" },
});

public sealed class CliAlternateChainTests(CliAlternateRootsFixture pebble) : IClassFixture<CliAlternateRootsFixture>, IDisposable
{
    private readonly ManualConcorde admin = new(pebble.Server);

    public void Dispose() => admin.Dispose();

    [Fact]
    public async Task Get_cert_alternate_prints_the_nth_alternate_chain_and_refuses_one_past_the_end()
    {
        var ct = admin.Deadline;
        var account = await admin.CreateAccountAsync(ct);
        var issued = await admin.IssueAsync(account, [ManualConcorde.UniqueName()], "http-01", ct);

        var issuers = new List<string> { TopIssuer(issued.Pem) };
        foreach (var n in new[] { "1", "2" })
        {
            var alternate = (await admin.RegAsync(account, ct, "order", "get-cert", issued.Order.AbsoluteUri, "--alternate", n)).Succeeded();
            using var leaf = X509Certificate2.CreateFromPem(alternate.Stdout);
            using var defaultLeaf = issued.Leaf();
            Assert.Equal(defaultLeaf.RawData, leaf.RawData);
            issuers.Add(TopIssuer(alternate.Stdout));
        }
        Assert.Equal(3, issuers.Distinct().Count());

        var absent = (await admin.RegAsync(account, ct, "order", "get-cert", issued.Order.AbsoluteUri, "--alternate", "3")).Failed(1);
        Assert.Contains("the server offers 2 alternate chains; there is no --alternate 3", absent.Stderr, StringComparison.Ordinal);
        Assert.Empty(absent.Stdout);
    }

    /// <summary>The issuer named by the last certificate of a chain: the root it leads to.</summary>
    private static string TopIssuer(string pem)
    {
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(pem);
        return chain[^1].Issuer;
    }
}
