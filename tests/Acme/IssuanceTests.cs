using System.Net;
using System.Security.Cryptography.X509Certificates;
using Concorde.Acme.Crypto;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>Complete issuance against Pebble with real validation through challtestsrv (RFC 8555 §7.4, §8).</summary>
public sealed class IssuanceTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Theory]
    [InlineData(Challenge.Http01)]
    [InlineData(Challenge.Dns01)]
    [InlineData(Challenge.TlsAlpn01)]
    public async Task Issues_certificate_for_a_dns_name_validated_with(string challengeType)
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);
        var name = $"{challengeType}.{Guid.NewGuid():N}.example.com";

        var issued = await acme.IssueAsync(account, [Identifier.ForDns(name)], challengeType, ct);

        using var leaf = issued.Chain.Leaf();
        Assert.Equal([name], CertificateNames.DnsNames(leaf));
        Assert.Empty(CertificateNames.IpAddresses(leaf));
        AssertKeyIs(issued, leaf);
        Assert.True(issued.Chain.Certificates().Count >= 2, "the chain holds the leaf and its intermediate");
    }

    [Fact]
    public async Task Issues_one_certificate_for_several_dns_names_and_an_ip_address()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);
        var suffix = Guid.NewGuid().ToString("N");
        string[] names = [$"a.{suffix}.example.com", $"b.{suffix}.example.com", $"c.{suffix}.example.org"];
        Identifier[] identifiers = [.. names.Select(Identifier.ForDns), Identifier.ForName("127.0.0.1")];
        Assert.Equal(Identifier.Ip, identifiers[^1].Type);

        var issued = await acme.IssueAsync(account, identifiers, Challenge.Http01, ct);

        using var leaf = issued.Chain.Leaf();
        Assert.Equal(names.Order(), CertificateNames.DnsNames(leaf).Order());
        Assert.Equal([IPAddress.Loopback], CertificateNames.IpAddresses(leaf));
        AssertKeyIs(issued, leaf);
    }

    [Fact]
    public async Task Issues_certificate_for_an_ip_address_alone_with_a_csr_without_common_name()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);
        var order = await acme.NewOrderAsync(account, Identifier.ForIp(IPAddress.Loopback), ct);
        var authorization = await acme.SingleAuthorizationAsync(account, order, ct);

        // RFC 8738 §7: dns-01 cannot prove control of an address; Pebble offers http-01 and tls-alpn-01. (tls-alpn-01
        // is not used here: challtestsrv answers it with a dNSName certificate where RFC 8738 §6 needs an iPAddress.)
        Assert.Equal([Challenge.Http01, Challenge.TlsAlpn01], authorization.Value.Challenges.Select(c => c.Type).Order());
        var issued = await acme.CompleteAsync(account, order, Challenge.Http01, ct);

        using var leaf = issued.Chain.Leaf();
        Assert.Equal([IPAddress.Loopback], CertificateNames.IpAddresses(leaf));
        Assert.Empty(CertificateNames.DnsNames(leaf));
        AssertKeyIs(issued, leaf);
    }

    [Fact]
    public async Task Issues_wildcard_certificate_with_dns01_on_the_base_domain()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);
        var baseDomain = PebbleAcme.FreshName();
        var order = await acme.NewOrderAsync(account, Identifier.ForDns("*." + baseDomain), ct);
        var authorization = await acme.SingleAuthorizationAsync(account, order, ct);

        // RFC 8555 §7.1.4: the authorization names the base domain and says "wildcard"; only dns-01 can prove it.
        Assert.True(authorization.Value.Wildcard);
        Assert.Equal(Identifier.ForDns(baseDomain), authorization.Value.Identifier);
        Assert.Equal([Challenge.Dns01], authorization.Value.Challenges.Select(c => c.Type));
        var issued = await acme.CompleteAsync(account, order, Challenge.Dns01, ct);

        using var leaf = issued.Chain.Leaf();
        Assert.Equal(["*." + baseDomain], CertificateNames.DnsNames(leaf));
        AssertKeyIs(issued, leaf);
    }

    [Fact]
    public async Task Finalize_before_the_order_is_ready_raises_order_not_ready()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);
        var order = await acme.NewOrderForFreshNameAsync(account, ct);
        using var certificateKey = KeyCurve.Generate();

        var error = await Assert.ThrowsAsync<AcmeProblemException>(() => acme.Client.FinalizeAsync(account, order, certificateKey, ct));

        Assert.Equal(ProblemKind.OrderNotReady, error.Kind);
        Assert.Equal(HttpStatusCode.Forbidden, error.HttpStatus);
    }

    [Fact]
    public async Task Finalize_with_the_account_key_is_refused_before_sending()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);
        var order = await acme.NewOrderForFreshNameAsync(account, ct);
        var sent = acme.Client.RequestCount;

        await Assert.ThrowsAsync<ArgumentException>(() => acme.Client.FinalizeAsync(account, order, account.Key, ct));

        Assert.Equal(sent, acme.Client.RequestCount);
    }

    private static void AssertKeyIs(PebbleAcme.Issued issued, X509Certificate2 leaf)
    {
        using var leafKey = leaf.GetECDsaPublicKey() ?? throw new InvalidOperationException("the leaf has no ECDSA key");
        Assert.Equal(
            issued.CertificateKey.ExportSubjectPublicKeyInfo(),
            leafKey.ExportSubjectPublicKeyInfo());
    }
}
