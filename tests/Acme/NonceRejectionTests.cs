using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>A Pebble that rejects half of all valid nonces with badNonce.</summary>
public sealed class NonceRejectingPebbleFixture() : PebbleFixture(new PebbleOptions
{
    EnvironmentVariables = new Dictionary<string, string> { ["PEBBLE_WFE_NONCEREJECT"] = "50" },
});

/// <summary>RFC 8555 §6.5: badNonce is retried inside the client and never reaches the caller.</summary>
public sealed class NonceRejectionTests(NonceRejectingPebbleFixture pebble) : IClassFixture<NonceRejectingPebbleFixture>
{
    [Fact]
    public async Task Issues_certificate_while_the_server_rejects_half_of_the_nonces()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        RecordingHandler? traffic = null;
        using var acme = await PebbleAcme.ConnectAsync(pebble.Server, ct, PebbleAcme.FastPolling with { MaxBadNonceRetries = 30 },
            inner => traffic = new RecordingHandler(inner));
        var account = await acme.NewAccountAsync(ct);
        var name = PebbleAcme.FreshName();

        var issued = await acme.IssueAsync(account, [Identifier.ForDns(name)], Challenge.Http01, ct);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(account.AccountUrl, (await acme.Client.GetAccountAsync(account, ct)).Location);
        }

        using var leaf = issued.Chain.Leaf();
        Assert.Equal([name], CertificateNames.DnsNames(leaf));
        var exchanges = traffic!.Exchanges;
        var badNonces = exchanges.Count(e => e.ProblemType == "urn:ietf:params:acme:error:badNonce");
        // About twenty signed requests: at 50 % rejection, none rejected has odds of one in a million.
        Assert.True(badNonces > 0, $"no badNonce in {exchanges.Count} exchanges");
        Assert.All(exchanges.Where(e => e.ProblemType is not null), e => Assert.Equal("urn:ietf:params:acme:error:badNonce", e.ProblemType));
    }
}
