using System.IO.Compression;
using System.Net;
using Concorde.Acme;
using Concorde.Acme.Http;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>The client's single send path against a scripted server: nonces, badNonce and Retry-After (RFC 8555
/// §6.5, §6.6), problem documents and oversized answers.</summary>
public sealed class SendPathTests
{
    private const string BadNonce = "urn:ietf:params:acme:error:badNonce";
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly NewOrderPayload Order = new() { Identifiers = [Identifier.ForDns("example.com")] };

    [Fact]
    public async Task Bad_nonce_is_retried_once_with_the_nonce_from_the_error_response()
    {
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ =>
                ScriptedHandler.Problem(HttpStatusCode.BadRequest, BadNonce, "stale nonce", ("Replay-Nonce", "from-the-error")))
            .Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => ScriptedAcme.OrderCreated("after-success"));
        var client = await ScriptedAcme.ConnectAsync(handler);

        var order = await client.NewOrderAsync(ScriptedAcme.NewAccount(), Order, CancellationToken.None);

        Assert.Equal(new Uri(ScriptedAcme.OrderUrl), order.Location);
        var posts = handler.RequestsTo(HttpMethod.Post, ScriptedAcme.NewOrderUrl);
        Assert.Equal(2, posts.Count);
        Assert.Equal("nonce-1", ScriptedAcme.ProtectedHeader(posts[0]).GetProperty("nonce").GetString());
        Assert.Equal("from-the-error", ScriptedAcme.ProtectedHeader(posts[1]).GetProperty("nonce").GetString());
        Assert.Single(handler.RequestsTo(HttpMethod.Head, ScriptedAcme.NewNonceUrl));
    }

    [Fact]
    public async Task Nonce_of_a_successful_response_is_used_for_the_next_request()
    {
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => ScriptedAcme.OrderCreated("from-first-order"))
            .Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => ScriptedAcme.OrderCreated("from-second-order"));
        var client = await ScriptedAcme.ConnectAsync(handler);
        var account = ScriptedAcme.NewAccount();

        await client.NewOrderAsync(account, Order, CancellationToken.None);
        await client.NewOrderAsync(account, Order, CancellationToken.None);

        var posts = handler.RequestsTo(HttpMethod.Post, ScriptedAcme.NewOrderUrl);
        Assert.Equal("from-first-order", ScriptedAcme.ProtectedHeader(posts[1]).GetProperty("nonce").GetString());
        Assert.Single(handler.RequestsTo(HttpMethod.Head, ScriptedAcme.NewNonceUrl));
    }

    [Fact]
    public async Task Bad_nonce_retries_are_bounded()
    {
        var handler = ScriptedAcme.CreateHandler()
            .Always(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => ScriptedHandler.Problem(HttpStatusCode.BadRequest, BadNonce, "no"));
        var client = await ScriptedAcme.ConnectAsync(handler, options: new AcmeClientOptions { MaxBadNonceRetries = 2 });

        var error = await Assert.ThrowsAsync<AcmeProblemException>(() => client.NewOrderAsync(ScriptedAcme.NewAccount(), Order, CancellationToken.None));

        Assert.Equal(ProblemKind.BadNonce, error.Kind);
        Assert.Equal(3, handler.RequestsTo(HttpMethod.Post, ScriptedAcme.NewOrderUrl).Count);
    }

    [Fact]
    public async Task Service_unavailable_with_retry_after_waits_that_long_then_succeeds()
    {
        var time = new AutoAdvancingTimeProvider(Start);
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => ScriptedHandler.Problem(HttpStatusCode.ServiceUnavailable,
                "urn:ietf:params:acme:error:serverInternal", "maintenance", ("Retry-After", "1")))
            .Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => ScriptedAcme.OrderCreated("after"));
        var client = await ScriptedAcme.ConnectAsync(handler, time);

        var order = await client.NewOrderAsync(ScriptedAcme.NewAccount(), Order, CancellationToken.None);

        Assert.Equal(AcmeStatus.Pending, order.Value.Status);
        Assert.Equal([TimeSpan.FromSeconds(1)], time.Delays);
        var posts = handler.RequestsTo(HttpMethod.Post, ScriptedAcme.NewOrderUrl);
        Assert.Equal(2, posts.Count);
        Assert.NotEqual(ScriptedAcme.ProtectedHeader(posts[0]).GetProperty("nonce").GetString(),
            ScriptedAcme.ProtectedHeader(posts[1]).GetProperty("nonce").GetString());
    }

    [Fact]
    public async Task Service_unavailable_with_an_http_date_waits_until_that_date()
    {
        var time = new AutoAdvancingTimeProvider(Start);
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Get, ScriptedAcme.RenewalInfoUrl + "/a.b", _ => ScriptedHandler.Problem(HttpStatusCode.ServiceUnavailable,
                "urn:ietf:params:acme:error:serverInternal", "later", ("Retry-After", "Sun, 01 Jun 2025 12:00:20 GMT")))
            .Once(HttpMethod.Get, ScriptedAcme.RenewalInfoUrl + "/a.b", _ => ScriptedHandler.Json(HttpStatusCode.OK,
                """{"suggestedWindow":{"start":"2025-07-01T00:00:00Z","end":"2025-07-02T00:00:00Z"}}"""));
        var client = await ScriptedAcme.ConnectAsync(handler, time);

        var info = await client.GetRenewalInfoAsync("a.b", CancellationToken.None);

        Assert.Equal(new DateTimeOffset(2025, 7, 1, 0, 0, 0, TimeSpan.Zero), info.Value.SuggestedWindow.Start);
        Assert.Equal([TimeSpan.FromSeconds(20)], time.Delays);
    }

    [Fact]
    public async Task Rate_limit_longer_than_the_client_waits_surfaces_with_its_retry_after()
    {
        var time = new AutoAdvancingTimeProvider(Start);
        var handler = ScriptedAcme.CreateHandler()
            .Always(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => ScriptedHandler.Problem(HttpStatusCode.TooManyRequests,
                "urn:ietf:params:acme:error:rateLimited", "too many certificates", ("Retry-After", "3600")));
        var client = await ScriptedAcme.ConnectAsync(handler, time);

        var error = await Assert.ThrowsAsync<AcmeProblemException>(() => client.NewOrderAsync(ScriptedAcme.NewAccount(), Order, CancellationToken.None));

        Assert.Equal(ProblemKind.RateLimited, error.Kind);
        Assert.Equal(TimeSpan.FromHours(1), error.RetryAfter);
        Assert.Equal(HttpStatusCode.TooManyRequests, error.HttpStatus);
        Assert.Single(handler.RequestsTo(HttpMethod.Post, ScriptedAcme.NewOrderUrl));
        Assert.Empty(time.Delays);
    }

    [Fact]
    public async Task Server_errors_without_a_problem_document_are_retried_then_reported()
    {
        var time = new AutoAdvancingTimeProvider(Start);
        var handler = ScriptedAcme.CreateHandler()
            .Always(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => new HttpResponseMessage(HttpStatusCode.BadGateway)
            {
                Content = new StringContent("<html>bad gateway</html>", System.Text.Encoding.ASCII, "text/html"),
            });
        var client = await ScriptedAcme.ConnectAsync(handler, time, new AcmeClientOptions { MaxTransientRetries = 2 });

        var error = await Assert.ThrowsAsync<AcmeProtocolException>(() => client.NewOrderAsync(ScriptedAcme.NewAccount(), Order, CancellationToken.None));

        Assert.Contains("502", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, handler.RequestsTo(HttpMethod.Post, ScriptedAcme.NewOrderUrl).Count);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], time.Delays);
    }

    [Fact]
    public async Task Problem_with_subproblems_reaches_the_caller_typed()
    {
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => ScriptedHandler.Json(HttpStatusCode.BadRequest, """
                {"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"Some identifiers were rejected","status":400,
                 "subproblems":[{"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"no","identifier":{"type":"dns","value":"example.net"}}]}
                """, "application/problem+json"));
        var client = await ScriptedAcme.ConnectAsync(handler);

        var error = await Assert.ThrowsAsync<AcmeProblemException>(() => client.NewOrderAsync(ScriptedAcme.NewAccount(), Order, CancellationToken.None));

        Assert.Equal(ProblemKind.RejectedIdentifier, error.Kind);
        var subproblem = Assert.Single(error.Problem.Subproblems!);
        Assert.Equal(Identifier.ForDns("example.net"), subproblem.Identifier);
        Assert.Equal(new Uri(ScriptedAcme.NewOrderUrl), error.Url);
    }

    [Fact]
    public async Task Body_larger_than_4_MiB_with_content_length_is_refused()
    {
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => new HttpResponseMessage(HttpStatusCode.Created)
            {
                Content = new ByteArrayContent(new byte[AcmeHttpClientFactory.MaxResponseBytes + 1]),
            });
        var client = await ScriptedAcme.ConnectAsync(handler);

        var error = await Assert.ThrowsAsync<AcmeProtocolException>(() => client.NewOrderAsync(ScriptedAcme.NewAccount(), Order, CancellationToken.None));

        Assert.Contains("refused", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_larger_than_4_MiB_without_content_length_is_refused()
    {
        // A decompressing stream cannot tell its length, so the response has no Content-Length.
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(new byte[5 * 1024 * 1024]);
        }

        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => new HttpResponseMessage(HttpStatusCode.Created)
            {
                Content = new StreamContent(new GZipStream(new MemoryStream(compressed.ToArray()), CompressionMode.Decompress)),
            });
        var client = await ScriptedAcme.ConnectAsync(handler);

        var error = await Assert.ThrowsAsync<AcmeProtocolException>(() => client.NewOrderAsync(ScriptedAcme.NewAccount(), Order, CancellationToken.None));

        Assert.Contains("more than", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Order_response_without_location_is_a_protocol_error()
    {
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => ScriptedHandler.Json(HttpStatusCode.Created, ScriptedAcme.OrderJson));
        var client = await ScriptedAcme.ConnectAsync(handler);

        await Assert.ThrowsAsync<AcmeProtocolException>(() => client.NewOrderAsync(ScriptedAcme.NewAccount(), Order, CancellationToken.None));
    }

    [Fact]
    public async Task Directory_without_the_core_resources_is_refused()
    {
        var handler = new ScriptedHandler()
            .Always(HttpMethod.Get, ScriptedAcme.DirectoryUrl, _ => ScriptedHandler.Json(HttpStatusCode.OK, """{"newNonce":"https://127.0.0.1/n"}"""));

        await Assert.ThrowsAsync<AcmeProtocolException>(() => ScriptedAcme.ConnectAsync(handler));
    }
}
