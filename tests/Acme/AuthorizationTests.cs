using Concorde.Acme.Crypto;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>Authorizations and failed challenges against Pebble (RFC 8555 §7.5).</summary>
public sealed class AuthorizationTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task Deactivated_authorization_stays_deactivated_and_invalidates_its_order()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);
        var order = await acme.NewOrderForFreshNameAsync(account, ct);
        var authorizationUrl = Assert.Single(order.Value.Authorizations);

        var deactivated = await acme.Client.DeactivateAuthorizationAsync(account, authorizationUrl, ct);

        Assert.Equal(AcmeStatus.Deactivated, deactivated.Value.Status);
        Assert.Equal(authorizationUrl, deactivated.Location);
        Assert.Equal(AcmeStatus.Deactivated, (await acme.Client.GetAuthorizationAsync(account, authorizationUrl, ct)).Value.Status);
        var error = await Assert.ThrowsAsync<AcmeProblemException>(() => acme.Client.WaitForAuthorizationAsync(account, deactivated, ct));
        Assert.Equal(deactivated.Value.Identifier, error.Problem.Identifier);
        // RFC 8555 §7.1.6 says the order becomes invalid; Pebble 2.4 reports it "deactivated". Either way waiting
        // for it must fail rather than return an order that will never be ready.
        var orderStatus = (await acme.Client.GetOrderAsync(account, order.Location, ct)).Value.Status;
        Assert.True(orderStatus is AcmeStatus.Invalid or AcmeStatus.Deactivated, $"order status {orderStatus}");
        var orderError = await Assert.ThrowsAsync<AcmeProblemException>(() => acme.Client.WaitForOrderAsync(account, order, ct));
        Assert.Equal(order.Location, orderError.Url);
    }

    [Fact]
    public async Task Challenge_fetched_from_pebble_has_no_link_to_its_authorization()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);
        var order = await acme.NewOrderForFreshNameAsync(account, ct);
        var authorizationUrl = Assert.Single(order.Value.Authorizations);
        var authorization = await acme.Client.GetAuthorizationAsync(account, authorizationUrl, ct);
        var dns01 = authorization.Value.Challenges.Single(c => c.Type == Challenge.Dns01);

        var (challenge, up) = await acme.Client.GetChallengeAndAuthorizationUrlAsync(account, dns01.Url, ct);

        // Pebble 2.4 sends Link rel="up" only when answering the challenge POST, not on POST-as-GET, so callers
        // must cope without it (see the scripted case below for a server that sends it).
        Assert.Null(up);
        Assert.Equal(dns01.Token, challenge.Value.Token);
        Assert.Equal(dns01.Url, challenge.Location);
        Assert.Equal(AcmeStatus.Pending, challenge.Value.Status);
    }

    [Fact]
    public async Task Challenge_link_up_names_the_authorization()
    {
        const string challengeUrl = ScriptedAcme.Base + "chall/7";
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, challengeUrl, _ => ScriptedHandler.Json(System.Net.HttpStatusCode.OK,
                $$"""{"type":"dns-01","url":"{{challengeUrl}}","token":"tok","status":"pending"}""", "application/json",
                ("Link", $"<{ScriptedAcme.DirectoryUrl}>;rel=\"index\""), ("Link", "<../authz/7>;rel=\"up\"")));
        var client = await ScriptedAcme.ConnectAsync(handler);

        var (challenge, up) = await client.GetChallengeAndAuthorizationUrlAsync(ScriptedAcme.NewAccount(), new Uri(challengeUrl),
            CancellationToken.None);

        Assert.Equal(new Uri(ScriptedAcme.Base + "authz/7"), up);
        Assert.Equal("tok", challenge.Value.Token);
    }

    [Fact]
    public async Task Unanswered_http01_challenge_raises_the_challenge_error_with_the_identifier()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);
        var identifier = Identifier.ForDns(PebbleAcme.FreshName());
        var order = await acme.NewOrderAsync(account, identifier, ct);
        var authorization = await acme.SingleAuthorizationAsync(account, order, ct);
        var challenge = authorization.Value.Challenges.Single(c => c.Type == Challenge.Http01);

        var responded = await acme.Client.RespondToChallengeAsync(account, challenge.Url, ct);
        var error = await Assert.ThrowsAsync<AcmeProblemException>(() => acme.Client.WaitForAuthorizationAsync(account, authorization, ct));

        Assert.Equal(challenge.Url, responded.Location);
        Assert.Equal(ProblemKind.Unauthorized, error.Kind);
        Assert.Equal(identifier, error.Problem.Identifier);
        Assert.Equal(authorization.Location, error.Url);
        var failed = await acme.Client.GetChallengeAsync(account, challenge.Url, ct);
        Assert.Equal(AcmeStatus.Invalid, failed.Value.Status);
        Assert.Equal(failed.Value.Error?.Type, error.Problem.Type);
    }

    [Fact]
    public async Task Dns01_with_a_wrong_key_authorization_raises_the_challenge_error()
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);
        using var otherKey = KeyCurve.Generate();
        var identifier = Identifier.ForDns(PebbleAcme.FreshName());
        var order = await acme.NewOrderAsync(account, identifier, ct);
        var authorization = await acme.SingleAuthorizationAsync(account, order, ct);
        var challenge = authorization.Value.Challenges.Single(c => c.Type == Challenge.Dns01);

        // The key authorization of another account key: the right record name with the wrong value.
        await acme.PublishAsync(identifier, challenge, otherKey, ct);
        var responded = await acme.Client.RespondToChallengeAsync(account, challenge.Url, ct);
        var fromChallenge = await Assert.ThrowsAsync<AcmeProblemException>(
            () => acme.Client.WaitForChallengeAsync(account, responded, ct));
        var fromAuthorization = await Assert.ThrowsAsync<AcmeProblemException>(
            () => acme.Client.WaitForAuthorizationAsync(account, authorization, ct));

        Assert.Equal(ProblemKind.Unauthorized, fromAuthorization.Kind);
        Assert.Equal(identifier, fromAuthorization.Problem.Identifier);
        Assert.Equal(fromAuthorization.Problem.Type, fromChallenge.Problem.Type);
        Assert.Equal(challenge.Url, fromChallenge.Url);
        var invalidOrder = await Assert.ThrowsAsync<AcmeProblemException>(() => acme.Client.WaitForOrderAsync(account, order, ct));
        Assert.Equal(order.Location, invalidOrder.Url);
    }
}
