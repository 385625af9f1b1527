using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Faults;

/// <summary>The proxy itself: without faults it is invisible, and every URL the client is given leads back to it.</summary>
public sealed class FaultProxyTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task Clean_issuance_passes_through_and_every_url_points_at_the_proxy()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        await using var proxy = FaultProxy.Start(pebble.Server);
        using var acme = await PebbleAcme.ConnectAsync(pebble.Server, ct, directoryUrl: proxy.DirectoryUrl);
        var account = await acme.NewAccountAsync(ct);

        var issued = await acme.IssueAsync(account, [Identifier.ForDns(PebbleAcme.FreshName())], Challenge.Http01, ct);

        var origin = proxy.Origin.AbsoluteUri;
        Assert.All(new[] { acme.Client.Directory.NewNonce, acme.Client.Directory.NewAccount, acme.Client.Directory.NewOrder,
                account.AccountUrl, issued.Order.Location, issued.Order.Value.Finalize, issued.Order.Value.Certificate, issued.Chain.Url },
            url => Assert.StartsWith(origin, url!.AbsoluteUri, StringComparison.Ordinal));
        Assert.All(issued.Order.Value.Authorizations, url => Assert.StartsWith(origin, url.AbsoluteUri, StringComparison.Ordinal));
        foreach (var (method, path) in new[]
                 {
                     (HttpMethod.Get, PebblePaths.Directory), (HttpMethod.Head, PebblePaths.NewNonce), (HttpMethod.Post, PebblePaths.NewAccount),
                     (HttpMethod.Post, PebblePaths.NewOrder), (HttpMethod.Post, PebblePaths.Authorization), (HttpMethod.Post, PebblePaths.Finalize),
                     (HttpMethod.Post, PebblePaths.Order), (HttpMethod.Post, PebblePaths.Certificate),
                 })
            Assert.NotEmpty(proxy.RequestsTo(method, path));
        Assert.All(proxy.Requests, r => Assert.Null(r.Fault));
        Assert.Empty(proxy.Errors);
    }

    [Fact]
    public async Task Urls_of_the_server_origin_are_rewritten_to_the_proxy()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        await using var proxy = FaultProxy.Start(pebble.Server);
        // Pebble then builds its URLs from its own origin, as a CA with a fixed base URL would.
        proxy.ForwardedHost = pebble.Server.DirectoryUrl.Authority;
        using var http = pebble.Server.CreateTrustingHttpClient();

        var directory = await http.GetStringAsync(proxy.DirectoryUrl, ct);
        using var nonce = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(proxy.Origin, PebblePaths.NewNonce)), ct);

        Assert.Contains($"\"{proxy.Origin.AbsoluteUri.TrimEnd('/')}{PebblePaths.NewOrder}\"", directory, StringComparison.Ordinal);
        Assert.DoesNotContain(pebble.Server.DirectoryUrl.Authority, directory, StringComparison.Ordinal);
        var index = Assert.Single(nonce.Headers.GetValues("Link"));
        Assert.Contains(proxy.DirectoryUrl.AbsoluteUri, index, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rules_match_by_method_and_path_by_index_and_run_out()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        await using var proxy = FaultProxy.Start(pebble.Server);
        using var http = pebble.Server.CreateTrustingHttpClient();
        var byIndex = proxy.InjectAt(1, Fault.ServerError(502));
        var byPath = proxy.Inject(Fault.ServerError(503), HttpMethod.Get, PebblePaths.Directory, times: 2);

        var statuses = new List<int>();
        for (var i = 0; i < 4; i++)
            statuses.Add((int)(await http.GetAsync(proxy.DirectoryUrl, ct)).StatusCode);

        // Rules are tried in the order they were added: #1 goes to the index rule and leaves the path rule's second
        // hit for #2; #3 finds both rules spent and is forwarded.
        Assert.Equal([503, 502, 503, 200], statuses);
        Assert.Equal(1, byIndex.Applied);
        Assert.Equal(2, byPath.Applied);
        Assert.Null(proxy.Requests[3].Fault);
    }
}
