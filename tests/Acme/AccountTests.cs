using System.Net;
using Concorde.Acme;
using Concorde.Acme.Crypto;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>Account management against Pebble (RFC 8555 §7.3).</summary>
public sealed class AccountTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task New_account_for_a_key_that_has_one_returns_the_existing_account_not_created()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        using var key = KeyCurve.Generate();
        var account = await acme.Client.NewAccountAsync(key, ["mailto:admin@example.com"], termsOfServiceAgreed: true, null, ct);

        var again = await acme.Client.NewAccountAsync(key, ["mailto:other@example.com"], termsOfServiceAgreed: true, null, ct);

        Assert.True(account.Created);
        Assert.Equal(account.Location, again.Location);
        Assert.False(again.Created);
        Assert.Equal(["mailto:admin@example.com"], again.Value.Contact);
    }

    [Fact]
    public async Task Find_account_for_an_unknown_key_raises_account_does_not_exist()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        using var stranger = KeyCurve.Generate();

        var error = await Assert.ThrowsAsync<AcmeProblemException>(() => acme.Client.FindAccountAsync(stranger, ct));

        Assert.Equal(ProblemKind.AccountDoesNotExist, error.Kind);
        Assert.Equal(HttpStatusCode.BadRequest, error.HttpStatus);
        Assert.Equal(acme.Client.Directory.NewAccount, error.Url);
        Assert.Equal(HttpMethod.Post, error.Method);
        Assert.EndsWith($" [POST {error.Url}]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Find_account_for_a_known_key_returns_its_url_without_creating_another()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);

        var found = await acme.Client.FindAccountAsync(account.Key, ct);

        Assert.Equal(account.AccountUrl, found.Location);
        Assert.Equal(AcmeStatus.Valid, found.Value.Status);
    }

    [Fact]
    public async Task Update_contacts_replaces_the_contact_list()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);

        var updated = await acme.Client.UpdateContactsAsync(account, ["mailto:one@example.com", "mailto:two@example.com"], ct);
        var fetched = await acme.Client.GetAccountAsync(account, ct);

        Assert.Equal(["mailto:one@example.com", "mailto:two@example.com"], updated.Value.Contact);
        Assert.Equal(["mailto:one@example.com", "mailto:two@example.com"], fetched.Value.Contact);
        Assert.Equal(account.AccountUrl, fetched.Location);
    }

    [Fact]
    public async Task Key_rollover_makes_the_new_key_work_and_the_old_key_fail()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var oldAccount = await acme.NewAccountAsync(ct);
        var newKey = KeyCurve.Generate();

        var newAccount = await acme.Client.ChangeKeyAsync(oldAccount, newKey, ct);

        Assert.Same(newKey, newAccount.Key);
        Assert.Equal(oldAccount.AccountUrl, newAccount.AccountUrl);
        Assert.Equal(AcmeStatus.Valid, (await acme.Client.GetAccountAsync(newAccount, ct)).Value.Status);
        Assert.Equal(oldAccount.AccountUrl, (await acme.Client.FindAccountAsync(newKey, ct)).Location);
        var stale = await Assert.ThrowsAsync<AcmeProblemException>(() => acme.Client.GetAccountAsync(oldAccount, ct));
        Assert.Equal(ProblemKind.Malformed, stale.Kind);
        var unknown = await Assert.ThrowsAsync<AcmeProblemException>(() => acme.Client.FindAccountAsync(oldAccount.Key, ct));
        Assert.Equal(ProblemKind.AccountDoesNotExist, unknown.Kind);
    }

    [Fact]
    public async Task Key_rollover_to_the_same_key_is_refused_before_sending()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);
        var sent = acme.Client.RequestCount;

        await Assert.ThrowsAsync<ArgumentException>(() => acme.Client.ChangeKeyAsync(account, account.Key, ct));

        Assert.Equal(sent, acme.Client.RequestCount);
    }

    [Fact]
    public async Task Deactivated_account_cannot_create_orders()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);

        var deactivated = await acme.Client.DeactivateAccountAsync(account, ct);

        Assert.Equal(AcmeStatus.Deactivated, deactivated.Value.Status);
        var error = await Assert.ThrowsAsync<AcmeProblemException>(() => acme.NewOrderAsync(account, Identifier.ForDns("deactivated.example.com"), ct));
        Assert.Equal(ProblemKind.Unauthorized, error.Kind);
        Assert.Equal(HttpStatusCode.Forbidden, error.HttpStatus);
    }
}
