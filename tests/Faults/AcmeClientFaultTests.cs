using System.Diagnostics;
using Concorde.Acme;
using Concorde.Acme.Http;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Concorde.Tests.Faults;

/// <summary>Network and server faults at library level: the <see cref="AcmeClient"/> through a <see cref="FaultProxy"/> in front of
/// Pebble. Where HTTP and ACME allow it the client retries, bounded, waiting Retry-After or backing off; otherwise it
/// throws one typed exception whose message is one line naming the URL. Waits run on a clock that records them
/// instead of spending them; only request timeouts (1 s here) take real time.</summary>
public sealed class AcmeClientFaultTests(PebbleFixture pebble, ITestOutputHelper output) : IClassFixture<PebbleFixture>
{
    private static readonly AcmeClientOptions Fast = PebbleAcme.FastPolling with
    {
        RequestTimeout = TimeSpan.FromSeconds(1),
        // Polls on the recording clock cost no time, so a generous limit only guards against a server that never decides.
        PollTimeout = TimeSpan.FromMinutes(30),
    };

    private static readonly TimeSpan[] BackoffOfThreeRetries = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)];

    [Theory]
    [InlineData(500, null)]
    [InlineData(502, null)]
    [InlineData(503, null)]
    [InlineData(500, 7)]
    [InlineData(502, 7)]
    [InlineData(503, 7)]
    public async Task Server_error_is_retried_after_retry_after_or_backoff_then_the_order_is_created(int status, int? retryAfter)
    {
        await using var test = await ConnectAsync();
        var rule = test.Proxy.Inject(Fault.ServerError(status, retryAfter), HttpMethod.Post, PebblePaths.NewOrder, times: 2);

        var order = await test.Acme.NewOrderForFreshNameAsync(test.Account, test.Ct);

        Assert.Equal(AcmeStatus.Pending, order.Value.Status);
        Assert.Equal(2, rule.Applied);
        Assert.Equal(3, test.Proxy.RequestsTo(HttpMethod.Post, PebblePaths.NewOrder).Count);
        TimeSpan[] expected = retryAfter is { } seconds ? [TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(seconds)] : BackoffOfThreeRetries[..2];
        Assert.Equal(expected, test.Time.Delays);
    }

    [Fact]
    public async Task Server_error_that_persists_fails_after_bounded_backoff_with_one_line_naming_the_url()
    {
        await using var test = await ConnectAsync();
        test.Proxy.Inject(Fault.ServerError(503), HttpMethod.Post, PebblePaths.NewOrder, FaultRule.Always);

        var e = await Assert.ThrowsAsync<AcmeProtocolException>(() => test.Acme.NewOrderForFreshNameAsync(test.Account, test.Ct));

        AssertOneLine(e, test.Client.Directory.NewOrder!);
        Assert.Contains("503", e.Message, StringComparison.Ordinal);
        Assert.Equal(1 + Fast.MaxTransientRetries, test.Proxy.RequestsTo(HttpMethod.Post, PebblePaths.NewOrder).Count);
        Assert.Equal(BackoffOfThreeRetries, test.Time.Delays);
    }

    [Fact]
    public async Task Rate_limit_with_a_short_retry_after_is_waited_out()
    {
        await using var test = await ConnectAsync();
        var rule = test.Proxy.Inject(Fault.RateLimited(5), HttpMethod.Post, PebblePaths.NewOrder);

        await test.Acme.NewOrderForFreshNameAsync(test.Account, test.Ct);

        Assert.Equal(1, rule.Applied);
        Assert.Equal([TimeSpan.FromSeconds(5)], test.Time.Delays);
    }

    [Fact]
    public async Task Rate_limit_longer_than_the_client_waits_reaches_the_caller_typed_with_its_retry_after()
    {
        await using var test = await ConnectAsync();
        test.Proxy.Inject(Fault.RateLimited(3600), HttpMethod.Post, PebblePaths.NewOrder, FaultRule.Always);

        var e = await Assert.ThrowsAsync<AcmeProblemException>(() => test.Acme.NewOrderForFreshNameAsync(test.Account, test.Ct));

        Assert.Equal(ProblemKind.RateLimited, e.Kind);
        Assert.Equal(TimeSpan.FromHours(1), e.RetryAfter);
        AssertOneLine(e, test.Client.Directory.NewOrder!);
        Assert.Single(test.Proxy.RequestsTo(HttpMethod.Post, PebblePaths.NewOrder));
        Assert.Empty(test.Time.Delays);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Connection_dropped_before_the_response_is_retried_with_a_fresh_nonce(bool afterTheServerActed)
    {
        await using var test = await ConnectAsync();
        // Twice: HttpClient itself resends once, on a new connection, a request that failed on a pooled one.
        var rule = test.Proxy.Inject(Fault.DropBeforeResponse(afterTheServerActed), HttpMethod.Post, PebblePaths.NewOrder, times: 2);

        var order = await test.Acme.NewOrderForFreshNameAsync(test.Account, test.Ct);

        Assert.Equal(AcmeStatus.Pending, order.Value.Status);
        Assert.Equal(2, rule.Applied);
        var nonces = test.Proxy.RequestsTo(HttpMethod.Post, PebblePaths.NewOrder).Select(r => r.JwsNonce).ToList();
        Assert.NotEqual(nonces[0], nonces[^1]);
    }

    [Theory]
    [InlineData(PebblePaths.NewAccount)]
    [InlineData(PebblePaths.NewOrder)]
    [InlineData(PebblePaths.Challenge)]
    [InlineData(PebblePaths.Finalize)]
    [InlineData(PebblePaths.Certificate)]
    public async Task Issuance_completes_when_the_answer_to_a_post_the_server_acted_on_is_lost(string path)
    {
        await using var test = await ConnectAsync();
        // Twice: HttpClient itself resends once, on a new connection, a request that failed on a pooled one.
        var rule = test.Proxy.Inject(Fault.DropBeforeResponse(afterForwarding: true), HttpMethod.Post, path, times: 2);
        var account = path == PebblePaths.NewAccount ? await test.Acme.NewAccountAsync(test.Ct) : test.Account;

        var issued = await test.Acme.IssueAsync(account, [Identifier.ForDns(PebbleAcme.FreshName())], Challenge.Http01, test.Ct);

        using var leaf = issued.Chain.Leaf();
        Assert.Equal(2, rule.Applied);
    }

    [Fact]
    public async Task Connection_dropped_in_the_middle_of_the_body_is_retried()
    {
        await using var test = await ConnectAsync();
        var created = await test.Acme.NewOrderForFreshNameAsync(test.Account, test.Ct);
        var rule = test.Proxy.Inject(Fault.DropMidBody(), HttpMethod.Post, PebblePaths.Order);

        var fetched = await test.Client.GetOrderAsync(test.Account, created.Location, test.Ct);

        Assert.Equal(created.Value.Identifiers, fetched.Value.Identifiers);
        Assert.Equal(1, rule.Applied);
        var fetches = test.Proxy.RequestsTo(HttpMethod.Post, PebblePaths.Order);
        Assert.Equal(2, fetches.Count);
        Assert.NotEqual(fetches[0].JwsNonce, fetches[1].JwsNonce);
        Assert.Equal([TimeSpan.FromSeconds(1)], test.Time.Delays);
    }

    [Fact]
    public async Task Request_that_stalls_past_the_timeout_is_retried_with_a_fresh_nonce()
    {
        await using var test = await ConnectAsync();
        var rule = test.Proxy.Inject(Fault.Stall(TimeSpan.FromSeconds(30)), HttpMethod.Post, PebblePaths.NewOrder);
        var clock = Stopwatch.StartNew();

        await test.Acme.NewOrderForFreshNameAsync(test.Account, test.Ct);

        Assert.InRange(clock.Elapsed, Fast.RequestTimeout, TimeSpan.FromSeconds(10));
        Assert.Equal(1, rule.Applied);
        var posts = test.Proxy.RequestsTo(HttpMethod.Post, PebblePaths.NewOrder);
        Assert.Equal(2, posts.Count);
        Assert.NotEqual(posts[0].JwsNonce, posts[1].JwsNonce);
    }

    [Fact]
    public async Task Answer_that_stalls_halfway_through_its_body_is_retried_after_the_timeout()
    {
        await using var test = await ConnectAsync();
        var created = await test.Acme.NewOrderForFreshNameAsync(test.Account, test.Ct);
        var rule = test.Proxy.Inject(Fault.StallMidBody(TimeSpan.FromSeconds(30)), HttpMethod.Post, PebblePaths.Order);
        var clock = Stopwatch.StartNew();

        var fetched = await test.Client.GetOrderAsync(test.Account, created.Location, test.Ct);

        Assert.InRange(clock.Elapsed, Fast.RequestTimeout, TimeSpan.FromSeconds(10));
        Assert.Equal(created.Value.Identifiers, fetched.Value.Identifiers);
        Assert.Equal(1, rule.Applied);
    }

    [Fact]
    public async Task Server_url_that_is_not_http_is_refused_with_one_line()
    {
        await using var test = await ConnectAsync();
        test.Proxy.Inject(Fault.Rewrite("authorization URL file:", response =>
            response.WithBody(response.BodyText.Replace(test.Proxy.Origin.AbsoluteUri.TrimEnd('/'), "file://", StringComparison.Ordinal))),
            HttpMethod.Post, PebblePaths.NewOrder);
        var order = await test.Acme.NewOrderForFreshNameAsync(test.Account, test.Ct);
        var authorization = Assert.Single(order.Value.Authorizations);

        var e = await Assert.ThrowsAsync<AcmeProtocolException>(() => test.Client.GetAuthorizationAsync(test.Account, authorization, test.Ct));

        AssertOneLine(e, authorization);
    }

    [Fact]
    public async Task Server_that_stalls_every_time_fails_after_bounded_attempts_with_one_line_naming_the_url()
    {
        await using var test = await ConnectAsync(Fast with { MaxTransientRetries = 1 });
        test.Proxy.Inject(Fault.Stall(TimeSpan.FromSeconds(30)), HttpMethod.Post, PebblePaths.NewOrder, FaultRule.Always);

        var e = await Assert.ThrowsAsync<AcmeProtocolException>(() => test.Acme.NewOrderForFreshNameAsync(test.Account, test.Ct));

        AssertOneLine(e, test.Client.Directory.NewOrder!);
        Assert.Contains("within 1 s", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, test.Proxy.RequestsTo(HttpMethod.Post, PebblePaths.NewOrder).Count);
    }

    public static TheoryData<string> BrokenJson => new() { "truncated", "malformed" };

    [Theory]
    [MemberData(nameof(BrokenJson))]
    public async Task Broken_json_is_not_retried_and_fails_with_one_line_naming_the_url(string how)
    {
        await using var test = await ConnectAsync();
        var created = await test.Acme.NewOrderForFreshNameAsync(test.Account, test.Ct);
        test.Proxy.Inject(how == "truncated" ? Fault.TruncatedBody() : Fault.MalformedJson(), HttpMethod.Post, PebblePaths.Order,
            FaultRule.Always);

        var e = await Assert.ThrowsAsync<AcmeProtocolException>(() => test.Client.GetOrderAsync(test.Account, created.Location, test.Ct));

        AssertOneLine(e, created.Location);
        Assert.Contains("malformed JSON", e.Message, StringComparison.Ordinal);
        Assert.Single(test.Proxy.RequestsTo(HttpMethod.Post, PebblePaths.Order));
    }

    [Fact]
    public async Task Certificate_with_the_wrong_content_type_is_refused()
    {
        await using var test = await ConnectAsync();
        test.Proxy.Inject(Fault.ContentType("application/json"), HttpMethod.Post, PebblePaths.Certificate, FaultRule.Always);

        var e = await Assert.ThrowsAsync<AcmeProtocolException>(() => IssueAsync(test));

        var certificateUrl = test.Proxy.RequestsTo(HttpMethod.Post, PebblePaths.Certificate).Single().Target;
        AssertOneLine(e, new Uri(test.Proxy.Origin, certificateUrl));
        Assert.Contains("application/json", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(0.6)]
    [InlineData(0.99)]
    public async Task Truncated_certificate_chain_is_refused(double keep)
    {
        await using var test = await ConnectAsync();
        test.Proxy.Inject(Fault.TruncatedBody(keep), HttpMethod.Post, PebblePaths.Certificate, FaultRule.Always);

        var e = await Assert.ThrowsAsync<AcmeProtocolException>(() => IssueAsync(test));

        var certificateUrl = test.Proxy.RequestsTo(HttpMethod.Post, PebblePaths.Certificate).Single().Target;
        AssertOneLine(e, new Uri(test.Proxy.Origin, certificateUrl));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Fifty_megabyte_body_is_refused_at_the_limit_without_retrying(bool declareLength)
    {
        await using var test = await ConnectAsync();
        var created = await test.Acme.NewOrderForFreshNameAsync(test.Account, test.Ct);
        test.Proxy.Inject(Fault.HugeBody(50L * 1024 * 1024, declareLength), HttpMethod.Post, PebblePaths.Order, FaultRule.Always);
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<AcmeProtocolException>(() => test.Client.GetOrderAsync(test.Account, created.Location, test.Ct));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        AssertOneLine(e, created.Location);
        Assert.Contains(AcmeHttpClientFactory.MaxResponseBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message,
            StringComparison.Ordinal);
        Assert.Single(test.Proxy.RequestsTo(HttpMethod.Post, PebblePaths.Order));
    }

    [Theory]
    [InlineData("newNonce")]
    [InlineData("newAccount")]
    [InlineData("newOrder")]
    public async Task Directory_missing_a_required_endpoint_is_refused_at_once(string endpoint)
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        await using var proxy = FaultProxy.Start(pebble.Server);
        proxy.Inject(Fault.WithoutJsonMembers(endpoint), HttpMethod.Get, PebblePaths.Directory, FaultRule.Always);

        var e = await Assert.ThrowsAsync<AcmeProtocolException>(() =>
            PebbleAcme.ConnectAsync(pebble.Server, ct, Fast, directoryUrl: proxy.DirectoryUrl));

        AssertOneLine(e, proxy.DirectoryUrl);
        Assert.Contains(endpoint, e.Message, StringComparison.Ordinal);
        Assert.Single(proxy.Requests);
    }

    [Fact]
    public async Task Directory_missing_an_optional_endpoint_fails_only_what_needs_it()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        await using var proxy = FaultProxy.Start(pebble.Server);
        proxy.Inject(Fault.WithoutJsonMembers("revokeCert", "keyChange"), HttpMethod.Get, PebblePaths.Directory);
        using var acme = await PebbleAcme.ConnectAsync(pebble.Server, ct, Fast, directoryUrl: proxy.DirectoryUrl);
        var account = await acme.NewAccountAsync(ct);

        var e = await Assert.ThrowsAsync<AcmeProtocolException>(() => acme.Client.RevokeAsync(account, [0x30, 0x00], null, ct));

        Assert.Contains("revokeCert", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PebblePaths.NewAccount, "newAccount")]
    [InlineData(PebblePaths.NewOrder, "newOrder")]
    public async Task Response_without_location_is_refused_and_the_next_call_succeeds(string path, string endpoint)
    {
        await using var test = await ConnectAsync();
        test.Proxy.Inject(Fault.WithoutHeader("Location"), HttpMethod.Post, path);

        var e = await Assert.ThrowsAsync<AcmeProtocolException>(() => endpoint == "newAccount"
            ? test.Acme.NewAccountAsync(test.Ct)
            : test.Acme.NewOrderForFreshNameAsync(test.Account, test.Ct));

        AssertOneLine(e, new Uri(test.Proxy.Origin, path));
        Assert.Contains("Location", e.Message, StringComparison.Ordinal);
        if (endpoint == "newAccount") await test.Acme.NewAccountAsync(test.Ct);
        else await test.Acme.NewOrderForFreshNameAsync(test.Account, test.Ct);
    }

    [Fact]
    public async Task Untrusted_server_certificate_fails_at_once_without_retrying()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        await using var proxy = FaultProxy.Start(pebble.Server);
        var time = new AutoAdvancingTimeProvider(DateTimeOffset.UtcNow);
        // The system's roots, which do not include the fixture's throwaway CA.
        using var http = AcmeHttpClientFactory.Create("tests");

        var e = await Assert.ThrowsAsync<AcmeProtocolException>(() => AcmeClient.CreateAsync(http, proxy.DirectoryUrl, time, Fast, ct));

        AssertOneLine(e, proxy.DirectoryUrl);
        Assert.Empty(time.Delays);
    }

    [Fact]
    public async Task Issuances_complete_while_a_quarter_of_all_requests_fail_in_every_retryable_way()
    {
        await using var test = await ConnectAsync(Fast with { MaxTransientRetries = 8 });
        var rule = test.Proxy.InjectAtRate(0.25, seed: 20250601,
        [
            Fault.ServerError(500), Fault.ServerError(502, 1), Fault.ServerError(503, 2), Fault.RateLimited(1),
            Fault.DropBeforeResponse(), Fault.DropBeforeResponse(afterForwarding: true), Fault.DropMidBody(),
        ]);

        for (var i = 0; i < 3; i++)
        {
            var issued = await IssueAsync(test);
            using var leaf = issued.Chain.Leaf();
        }

        Assert.True(rule.Applied >= 5, string.Join(Environment.NewLine, test.Proxy.Requests));
        Assert.Empty(test.Proxy.Errors);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private async Task<Connected> ConnectAsync(AcmeClientOptions? options = null)
    {
        var ct = TestDeadline.Start(out var deadline);
        var proxy = FaultProxy.Start(pebble.Server);
        var time = new AutoAdvancingTimeProvider(DateTimeOffset.UtcNow);
        var acme = await PebbleAcme.ConnectAsync(pebble.Server, ct, options ?? Fast, directoryUrl: proxy.DirectoryUrl, time: time);
        var account = await acme.NewAccountAsync(ct);
        Assert.True(time.Delays.Count == 0, $"retries before any fault: {string.Join(", ", proxy.Requests)} {string.Join(", ", proxy.Errors)}");
        return new Connected(proxy, acme, account, time, ct, deadline);
    }

    private static Task<PebbleAcme.Issued> IssueAsync(Connected test) =>
        test.Acme.IssueAsync(test.Account, [Identifier.ForDns(PebbleAcme.FreshName())], Challenge.Http01, test.Ct);

    /// <summary>What an administrator reads: one line that says which URL failed.</summary>
    private void AssertOneLine(Exception e, Uri url)
    {
        output.WriteLine($"{e.GetType().Name}: {e.Message}");
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(url.AbsoluteUri, e.Message, StringComparison.Ordinal);
    }

    private sealed record Connected(FaultProxy Proxy, PebbleAcme Acme, AcmeAccountKey Account, AutoAdvancingTimeProvider Time,
        CancellationToken Ct, CancellationTokenSource Deadline) : IAsyncDisposable
    {
        public AcmeClient Client => Acme.Client;

        public async ValueTask DisposeAsync()
        {
            Acme.Dispose();
            await Proxy.DisposeAsync();
            Deadline.Dispose();
        }
    }
}
