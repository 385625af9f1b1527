using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>A Pebble with two extra issuance roots, so every certificate has two alternate chains.</summary>
public sealed class AlternateRootsPebbleFixture() : PebbleFixture(new PebbleOptions
{
    EnvironmentVariables = new Dictionary<string, string> { ["PEBBLE_ALTERNATE_ROOTS"] = "2" },
});

/// <summary>Alternate certificate chains (RFC 8555 §7.4.2, Link rel="alternate").</summary>
public sealed class AlternateChainTests(AlternateRootsPebbleFixture pebble) : IClassFixture<AlternateRootsPebbleFixture>
{
    [Fact]
    public async Task Download_lists_alternate_chains_with_the_same_leaf_and_other_issuers()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);
        var issued = await acme.IssueAsync(account, [Identifier.ForDns(PebbleAcme.FreshName())], Challenge.Http01, ct);

        Assert.Equal(2, issued.Chain.Alternates.Count);
        using var leaf = issued.Chain.Leaf();
        var issuers = new List<string> { IssuerThumbprint(issued.Chain) };
        foreach (var alternateUrl in issued.Chain.Alternates)
        {
            Assert.Equal(issued.Chain.Url.Authority, alternateUrl.Authority);
            var alternate = await acme.Client.DownloadCertificateAsync(account, alternateUrl, ct);
            using var alternateLeaf = alternate.Leaf();
            Assert.Equal(leaf.RawData, alternateLeaf.RawData);
            Assert.Equal(alternateUrl, alternate.Url);
            issuers.Add(IssuerThumbprint(alternate));
        }

        Assert.Equal(3, issuers.Distinct().Count());
    }

    private static string IssuerThumbprint(Concorde.Acme.CertificateChain chain)
    {
        var certificates = chain.Certificates();
        Assert.True(certificates.Count >= 2, "a chain holds the leaf and at least one issuer");
        Assert.Equal(certificates[0].Issuer, certificates[1].Subject);
        return certificates[1].Thumbprint;
    }
}
