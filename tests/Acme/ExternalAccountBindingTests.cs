using Concorde.Acme.Crypto;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>A Pebble that requires external account binding (RFC 8555 §7.3.4).</summary>
public sealed class ExternalAccountBindingPebbleFixture() : PebbleFixture(new PebbleOptions { RequireExternalAccountBinding = true });

/// <summary>newAccount against a CA that requires external account binding (RFC 8555 §7.3.4).</summary>
public sealed class ExternalAccountBindingTests(ExternalAccountBindingPebbleFixture pebble)
    : IClassFixture<ExternalAccountBindingPebbleFixture>
{
    [Fact]
    public async Task Directory_says_external_account_binding_is_required()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;

        Assert.True(acme.Client.Directory.Meta?.ExternalAccountRequired);
    }

    [Fact]
    public async Task New_account_without_binding_raises_external_account_required()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        using var key = KeyCurve.Generate();

        var error = await Assert.ThrowsAsync<AcmeProblemException>(
            () => acme.Client.NewAccountAsync(key, null, termsOfServiceAgreed: true, null, ct));

        Assert.Equal(ProblemKind.ExternalAccountRequired, error.Kind);
    }

    [Fact]
    public async Task New_account_with_binding_is_created()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        using var key = KeyCurve.Generate();
        var binding = ExternalAccountBinding.FromBase64Url("kid-1", PebbleOptions.DefaultExternalAccountMacKeys["kid-1"]);

        var account = await acme.Client.NewAccountAsync(key, null, termsOfServiceAgreed: true, binding, ct);

        Assert.Equal(AcmeStatus.Valid, account.Value.Status);
        Assert.Equal(account.Location, (await acme.Client.FindAccountAsync(key, ct)).Location);
    }

    [Fact]
    public async Task New_account_with_a_wrong_mac_key_is_refused()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        using var key = KeyCurve.Generate();
        var binding = ExternalAccountBinding.FromBase64Url("kid-1", PebbleOptions.DefaultExternalAccountMacKeys["kid-2"]);

        var error = await Assert.ThrowsAsync<AcmeProblemException>(
            () => acme.Client.NewAccountAsync(key, null, termsOfServiceAgreed: true, binding, ct));

        Assert.Equal(ProblemKind.Unauthorized, error.Kind);
    }
}
