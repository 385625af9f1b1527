using System.Net;
using Concorde.Acme;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>The race the crash soak ran into, forced: shaman works on several domains at once over one
/// AcmeClient, whose TakeNonceAsync sends HEAD newNonce into the shared NonceStore and takes from the store
/// afterwards. A second request that starts in between takes that nonce, and the first fails with
/// "newNonce returned no Replay-Nonce header" — its domain fails and backs off for an hour.</summary>
public sealed class NonceRaceTests
{
    [Fact]
    public async Task Nonce_fetched_for_one_request_and_taken_by_another_does_not_fail_the_first()
    {
        using var handler = new GatedAcme();
        var client = await AcmeClient.CreateAsync(new HttpClient(handler), new Uri(ScriptedAcme.DirectoryUrl), TimeProvider.System, null,
            CancellationToken.None);
        var account = ScriptedAcme.NewAccount();

        // A: the store is empty, so HEAD newNonce; its nonce is in the store while A still reads the (held) body.
        var first = client.GetOrderAsync(account, new Uri(ScriptedAcme.OrderUrl), CancellationToken.None);
        await handler.FirstNonceBodyStarted.WaitAsync(TimeSpan.FromSeconds(10));
        // B starts now, takes the nonce from the store and is held at the server.
        var second = client.GetOrderAsync(account, new Uri(ScriptedAcme.OrderUrl), CancellationToken.None);
        await handler.FirstPostArrived.WaitAsync(TimeSpan.FromSeconds(10));
        handler.ReleaseFirstNonceBody();

        var a = await first.WaitAsync(TimeSpan.FromSeconds(10));
        handler.ReleaseFirstPost();
        var b = await second.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(AcmeStatus.Pending, a.Value.Status);
        Assert.Equal(AcmeStatus.Pending, b.Value.Status);
    }

    /// <summary>A scripted CA whose first newNonce answer holds its body, and whose first POST is held, until the
    /// test lets them go; every other request is answered at once.</summary>
    private sealed class GatedAcme : HttpMessageHandler
    {
        private readonly TaskCompletionSource _firstNonceBodyStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _releaseFirstNonceBody = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _firstPostArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _releaseFirstPost = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _nonces;
        private int _posts;

        public Task FirstNonceBodyStarted => _firstNonceBodyStarted.Task;
        public Task FirstPostArrived => _firstPostArrived.Task;
        public void ReleaseFirstNonceBody() => _releaseFirstNonceBody.TrySetResult();
        public void ReleaseFirstPost() => _releaseFirstPost.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var url = request.RequestUri!.AbsoluteUri;
            if (request.Method == HttpMethod.Get && url == ScriptedAcme.DirectoryUrl)
                return Answer(new StringContent(ScriptedAcme.Directory()), nonce: null);
            if (request.Method == HttpMethod.Head && url == ScriptedAcme.NewNonceUrl)
            {
                var nonce = Interlocked.Increment(ref _nonces);
                return Answer(nonce == 1 ? new HeldContent(_firstNonceBodyStarted, _releaseFirstNonceBody.Task) : new ByteArrayContent([]), $"nonce-{nonce}");
            }
            if (request.Method == HttpMethod.Post && url == ScriptedAcme.OrderUrl)
            {
                if (Interlocked.Increment(ref _posts) == 1)
                {
                    _firstPostArrived.TrySetResult();
                    await _releaseFirstPost.Task.WaitAsync(cancellationToken);
                }
                return Answer(new StringContent(ScriptedAcme.OrderJson, System.Text.Encoding.UTF8, "application/json"), $"post-nonce-{_posts}");
            }
            throw new InvalidOperationException($"unexpected {request.Method} {url}");
        }

        private static HttpResponseMessage Answer(HttpContent content, string? nonce)
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
            if (nonce is not null) response.Headers.Add("Replay-Nonce", nonce);
            return response;
        }
    }

    /// <summary>An empty body that says when the client starts reading it and ends only when released.</summary>
    private sealed class HeldContent(TaskCompletionSource started, Task release) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            started.TrySetResult();
            await release;
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
