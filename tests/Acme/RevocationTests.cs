using Concorde.Acme.Problems;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>Certificate revocation against Pebble (RFC 8555 §7.6).</summary>
public sealed class RevocationTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    /// <summary>RFC 5280 §5.3.1 keyCompromise.</summary>
    private const int KeyCompromise = 1;

    [Fact]
    public async Task Revokes_with_the_account_key_and_a_second_revocation_is_already_revoked()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);
        var issued = await acme.IssueAsync(account, [Identifier.ForDns(PebbleAcme.FreshName())], Challenge.Http01, ct);
        using var leaf = issued.Chain.Leaf();
        Assert.Equal("Valid", (await pebble.Server.Management.CertificateStatusAsync(leaf, ct)).Status);

        await acme.Client.RevokeAsync(account, leaf.RawData, reason: null, ct);

        Assert.Equal("Revoked", (await pebble.Server.Management.CertificateStatusAsync(leaf, ct)).Status);
        var again = await Assert.ThrowsAsync<AcmeProblemException>(() => acme.Client.RevokeAsync(account, leaf.RawData, null, ct));
        Assert.Equal(ProblemKind.AlreadyRevoked, again.Kind);
    }

    [Fact]
    public async Task Revokes_with_the_certificate_key_without_any_account()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);
        var issued = await acme.IssueAsync(account, [Identifier.ForDns(PebbleAcme.FreshName())], Challenge.Dns01, ct);
        using var leaf = issued.Chain.Leaf();

        await acme.Client.RevokeWithCertificateKeyAsync(issued.CertificateKey, leaf.RawData, KeyCompromise, ct);

        Assert.Equal(("Revoked", KeyCompromise), await pebble.Server.Management.CertificateStatusAsync(leaf, ct));
        var again = await Assert.ThrowsAsync<AcmeProblemException>(
            () => acme.Client.RevokeWithCertificateKeyAsync(issued.CertificateKey, leaf.RawData, KeyCompromise, ct));
        Assert.Equal(ProblemKind.AlreadyRevoked, again.Kind);
    }

    [Fact]
    public async Task Revocation_by_an_account_that_neither_issued_nor_authorized_the_certificate_is_refused()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var owner = await acme.NewAccountAsync(ct);
        var stranger = await acme.NewAccountAsync(ct);
        var issued = await acme.IssueAsync(owner, [Identifier.ForDns(PebbleAcme.FreshName())], Challenge.Http01, ct);
        using var leaf = issued.Chain.Leaf();

        var error = await Assert.ThrowsAsync<AcmeProblemException>(() => acme.Client.RevokeAsync(stranger, leaf.RawData, null, ct));

        Assert.Equal(ProblemKind.Unauthorized, error.Kind);
        Assert.Equal("Valid", (await pebble.Server.Management.CertificateStatusAsync(leaf, ct)).Status);
    }
}
