using System.Net;
using System.Text.Json;

namespace Concorde.Tests.Support;

/// <summary>
/// Passes requests through to a real handler and records each exchange with the problem type of error responses
/// (RFC 7807 "type"), so a test can count what the client retried without the client telling it.
/// </summary>
public sealed class RecordingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly Lock gate = new();
    private readonly List<Exchange> exchanges = [];

    public IReadOnlyList<Exchange> Exchanges
    {
        get
        {
            lock (gate)
            {
                return exchanges.ToArray();
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        string? problemType = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken));
            problemType = problem.RootElement.TryGetProperty("type", out var type) ? type.GetString() : null;
        }

        lock (gate)
        {
            exchanges.Add(new Exchange(request.Method, request.RequestUri!, response.StatusCode, problemType));
        }

        return response;
    }

    /// <summary>One request and the answer it got.</summary>
    public sealed record Exchange(HttpMethod Method, Uri Url, HttpStatusCode Status, string? ProblemType);
}
