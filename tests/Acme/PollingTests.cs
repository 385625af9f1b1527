using System.Net;
using Concorde.Acme;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>Waiting for orders and challenges on a scripted server with a clock that never sleeps.</summary>
public sealed class PollingTests
{
    private const string ChallengeUrl = ScriptedAcme.Base + "chall/1";
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Waits_as_long_as_the_servers_retry_after_between_polls()
    {
        var time = new AutoAdvancingTimeProvider(Start);
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("processing", ("Retry-After", "3")))
            .Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("processing", ("Retry-After", "7")))
            .Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("valid"));
        var client = await ScriptedAcme.ConnectAsync(handler, time);
        var account = ScriptedAcme.NewAccount();

        var order = await client.WaitForOrderAsync(account, await client.GetOrderAsync(account, new Uri(ScriptedAcme.OrderUrl), CancellationToken.None),
            CancellationToken.None);

        Assert.Equal(AcmeStatus.Valid, order.Value.Status);
        Assert.Equal([TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(7)], time.Delays);
        Assert.All(handler.RequestsTo(HttpMethod.Post, ScriptedAcme.OrderUrl), r => Assert.Equal("", ScriptedAcme.EncodedPayload(r)));
    }

    [Fact]
    public async Task Without_retry_after_a_quick_first_look_is_followed_by_an_interval_that_doubles_up_to_the_maximum()
    {
        var time = new AutoAdvancingTimeProvider(Start);
        var handler = ScriptedAcme.CreateHandler();
        for (var i = 0; i < 5; i++)
        {
            handler.Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("processing"));
        }

        handler.Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("valid"));
        var client = await ScriptedAcme.ConnectAsync(handler, time, new AcmeClientOptions
        {
            PollFirstInterval = TimeSpan.FromSeconds(0.5),
            PollInitialInterval = TimeSpan.FromSeconds(1),
            PollMaxInterval = TimeSpan.FromSeconds(4),
        });
        var account = ScriptedAcme.NewAccount();

        await client.WaitForOrderAsync(account, await client.GetOrderAsync(account, new Uri(ScriptedAcme.OrderUrl), CancellationToken.None),
            CancellationToken.None);

        Assert.Equal([0.5, 1, 2, 4, 4], time.Delays.Select(d => d.TotalSeconds));
    }

    [Fact]
    public async Task A_long_wait_is_reported_with_what_is_awaited_and_for_how_long()
    {
        var time = new AutoAdvancingTimeProvider(Start);
        var handler = ScriptedAcme.CreateHandler();
        for (var i = 0; i < 4; i++)
        {
            handler.Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("processing"));
        }

        handler.Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("valid"));
        var progress = new List<string>();
        var client = await ScriptedAcme.ConnectAsync(handler, time, new AcmeClientOptions
        {
            PollFirstInterval = TimeSpan.FromSeconds(1),
            PollInitialInterval = TimeSpan.FromSeconds(1),
            Progress = progress.Add,
        });
        var account = ScriptedAcme.NewAccount();

        await client.WaitForOrderAsync(account, await client.GetOrderAsync(account, new Uri(ScriptedAcme.OrderUrl), CancellationToken.None),
            CancellationToken.None);

        // Waits of 1, 1, 2 and 4 s: the first two start before the 2 s threshold, the last two after it.
        Assert.Equal([$"waiting for issuance of order {ScriptedAcme.OrderUrl}, 2 s", $"waiting for issuance of order {ScriptedAcme.OrderUrl}, 4 s"], progress);
    }

    [Fact]
    public async Task Retry_after_zero_does_not_make_polling_a_busy_loop()
    {
        var time = new AutoAdvancingTimeProvider(Start);
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("processing", ("Retry-After", "0")))
            .Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("processing", ("Retry-After", "0")))
            .Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("valid"));
        var client = await ScriptedAcme.ConnectAsync(handler, time);
        var account = ScriptedAcme.NewAccount();

        await client.WaitForOrderAsync(account, await client.GetOrderAsync(account, new Uri(ScriptedAcme.OrderUrl), CancellationToken.None),
            CancellationToken.None);

        Assert.Equal(2, time.Delays.Count);
        Assert.All(time.Delays, delay => Assert.True(delay >= client.Options.PollInitialInterval, $"waited only {delay}"));
    }

    [Fact]
    public async Task Gives_up_after_the_poll_timeout()
    {
        var time = new AutoAdvancingTimeProvider(Start);
        var handler = ScriptedAcme.CreateHandler()
            .Always(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("processing", ("Retry-After", "10")));
        var client = await ScriptedAcme.ConnectAsync(handler, time, new AcmeClientOptions { PollTimeout = TimeSpan.FromSeconds(35) });
        var account = ScriptedAcme.NewAccount();
        var order = await client.GetOrderAsync(account, new Uri(ScriptedAcme.OrderUrl), CancellationToken.None);

        await Assert.ThrowsAsync<AcmeTimeoutException>(() => client.WaitForOrderAsync(account, order, CancellationToken.None));

        Assert.Equal(3, time.Delays.Count);
        Assert.True(time.GetUtcNow() - Start <= TimeSpan.FromSeconds(35));
    }

    [Fact]
    public async Task Invalid_order_raises_its_error()
    {
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => ScriptedHandler.Json(HttpStatusCode.OK, ScriptedAcme.OrderJson
                .Replace("\"pending\"", "\"invalid\"")
                .Replace("\"expires\"", "\"error\":{\"type\":\"urn:ietf:params:acme:error:caa\",\"detail\":\"CAA forbids\"},\"expires\"")));
        var client = await ScriptedAcme.ConnectAsync(handler);
        var account = ScriptedAcme.NewAccount();
        var order = await client.GetOrderAsync(account, new Uri(ScriptedAcme.OrderUrl), CancellationToken.None);

        var error = await Assert.ThrowsAsync<AcmeProblemException>(() => client.WaitForOrderAsync(account, order, CancellationToken.None));

        Assert.Equal(ProblemKind.Caa, error.Kind);
        Assert.Equal(new Uri(ScriptedAcme.OrderUrl), error.Url);
    }

    [Fact]
    public async Task Invalid_challenge_raises_its_error()
    {
        var time = new AutoAdvancingTimeProvider(Start);
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, ChallengeUrl, _ => Challenge("processing", null))
            .Once(HttpMethod.Post, ChallengeUrl, _ => Challenge("invalid",
                """{"type":"urn:ietf:params:acme:error:connection","detail":"refused","identifier":{"type":"dns","value":"example.com"}}"""));
        var client = await ScriptedAcme.ConnectAsync(handler, time);
        var account = ScriptedAcme.NewAccount();

        var responded = await client.RespondToChallengeAsync(account, new Uri(ChallengeUrl), CancellationToken.None);
        var error = await Assert.ThrowsAsync<AcmeProblemException>(() => client.WaitForChallengeAsync(account, responded, CancellationToken.None));

        Assert.Equal("{}", ScriptedAcme.Payload(handler.RequestsTo(HttpMethod.Post, ChallengeUrl)[0]).GetRawText());
        Assert.Equal(ProblemKind.Connection, error.Kind);
        Assert.Equal(Identifier.ForDns("example.com"), error.Problem.Identifier);
    }

    private const string FinalizeUrl = ScriptedAcme.OrderUrl + "/finalize";
    private const string AuthorizationUrl = ScriptedAcme.Base + "authz/1";
    private const string OrderNotReady = "urn:ietf:params:acme:error:orderNotReady";

    [Fact]
    public async Task Finalize_refused_as_not_ready_while_every_authorization_is_valid_waits_for_ready_and_finalizes_again()
    {
        var time = new AutoAdvancingTimeProvider(Start);
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, FinalizeUrl, _ => ScriptedHandler.Problem(HttpStatusCode.Forbidden, OrderNotReady, "the order is not ready"))
            .Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("pending"))
            .Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("pending"))
            .Once(HttpMethod.Post, AuthorizationUrl, _ => Authorization("valid"))
            .Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("pending"))
            .Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("ready"))
            .Once(HttpMethod.Post, FinalizeUrl, _ => Order("processing"));
        var client = await ScriptedAcme.ConnectAsync(handler, time);
        var account = ScriptedAcme.NewAccount();
        using var certificateKey = Concorde.Acme.Crypto.KeyCurve.Generate();

        var order = await client.FinalizeAsync(account, await PendingOrderAsync(client, account), certificateKey, CancellationToken.None);

        Assert.Equal(AcmeStatus.Processing, order.Value.Status);
        Assert.Equal(ScriptedAcme.OrderUrl, order.Location.AbsoluteUri);
        Assert.Equal(2, handler.RequestsTo(HttpMethod.Post, FinalizeUrl).Count);
        Assert.NotEmpty(time.Delays);
    }

    [Fact]
    public async Task Finalize_refused_as_not_ready_while_an_authorization_is_pending_raises_order_not_ready_at_once()
    {
        var time = new AutoAdvancingTimeProvider(Start);
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, FinalizeUrl, _ => ScriptedHandler.Problem(HttpStatusCode.Forbidden, OrderNotReady, "the order is not ready"))
            .Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("pending"))
            .Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("pending"))
            .Once(HttpMethod.Post, AuthorizationUrl, _ => Authorization("pending"));
        var client = await ScriptedAcme.ConnectAsync(handler, time);
        var account = ScriptedAcme.NewAccount();
        using var certificateKey = Concorde.Acme.Crypto.KeyCurve.Generate();
        var pending = await PendingOrderAsync(client, account);

        var error = await Assert.ThrowsAsync<AcmeProblemException>(() => client.FinalizeAsync(account, pending, certificateKey, CancellationToken.None));

        Assert.Equal(ProblemKind.OrderNotReady, error.Kind);
        Assert.Single(handler.RequestsTo(HttpMethod.Post, FinalizeUrl));
        Assert.Empty(time.Delays);
    }

    [Fact]
    public async Task Finalize_refused_as_not_ready_because_an_earlier_finalize_went_through_continues_with_the_order()
    {
        var time = new AutoAdvancingTimeProvider(Start);
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, FinalizeUrl, _ => ScriptedHandler.Problem(HttpStatusCode.Forbidden, OrderNotReady, "the order is not ready"))
            .Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("pending"))
            .Once(HttpMethod.Post, ScriptedAcme.OrderUrl, _ => Order("valid"));
        var client = await ScriptedAcme.ConnectAsync(handler, time);
        var account = ScriptedAcme.NewAccount();
        using var certificateKey = Concorde.Acme.Crypto.KeyCurve.Generate();

        var order = await client.FinalizeAsync(account, await PendingOrderAsync(client, account), certificateKey, CancellationToken.None);

        Assert.Equal(AcmeStatus.Valid, order.Value.Status);
        Assert.Single(handler.RequestsTo(HttpMethod.Post, FinalizeUrl));
    }

    /// <summary>The order as the caller last saw it (the first answer queued for it): pending, before its
    /// authorizations were done.</summary>
    private static Task<AcmeResource<Order>> PendingOrderAsync(AcmeClient client, AcmeAccountKey account) =>
        client.GetOrderAsync(account, new Uri(ScriptedAcme.OrderUrl), CancellationToken.None);

    private static HttpResponseMessage Authorization(string status) =>
        ScriptedHandler.Json(HttpStatusCode.OK,
            $$"""{"identifier":{"type":"dns","value":"example.com"},"status":"{{status}}","challenges":[]}""");

    private static HttpResponseMessage Order(string status, params (string Name, string Value)[] headers) =>
        ScriptedHandler.Json(HttpStatusCode.OK, ScriptedAcme.OrderJson.Replace("\"pending\"", $"\"{status}\""), "application/json", headers);

    private static HttpResponseMessage Challenge(string status, string? error) =>
        ScriptedHandler.Json(HttpStatusCode.OK,
            $$"""{"type":"http-01","url":"{{ChallengeUrl}}","token":"t","status":"{{status}}"{{(error is null ? "" : $",\"error\":{error}")}}}""");
}
