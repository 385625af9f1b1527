using System.Net;
using System.Text;

namespace Concorde.Tests.Support;

/// <summary>
/// An <see cref="HttpMessageHandler"/> that answers from a script instead of the network, for protocol edge cases a
/// real server can't be made to produce. Responses are keyed by method + absolute URL: one-shot responses are
/// used first, in the order they were queued, then the key's repeating response, if any. A request nothing
/// answers throws <see cref="InvalidOperationException"/>, so a test fails with the request in the message.
/// Every request is recorded with its body.
/// </summary>
public sealed class ScriptedHandler : HttpMessageHandler
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Queue<Func<HttpRequestMessage, HttpResponseMessage>>> once = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<HttpRequestMessage, HttpResponseMessage>> always = new(StringComparer.Ordinal);
    private readonly List<RecordedRequest> requests = [];

    /// <summary>Requests received so far, in order.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (gate)
            {
                return requests.ToArray();
            }
        }
    }

    /// <summary>Answers the next request for <paramref name="method"/> <paramref name="url"/> once.</summary>
    public ScriptedHandler Once(HttpMethod method, string url, Func<HttpRequestMessage, HttpResponseMessage> respond)
    {
        lock (gate)
        {
            var key = Key(method, new Uri(url));
            if (!once.TryGetValue(key, out var queue))
            {
                once[key] = queue = new Queue<Func<HttpRequestMessage, HttpResponseMessage>>();
            }

            queue.Enqueue(respond);
        }

        return this;
    }

    /// <summary>Answers every request for <paramref name="method"/> <paramref name="url"/> that no one-shot response takes.</summary>
    public ScriptedHandler Always(HttpMethod method, string url, Func<HttpRequestMessage, HttpResponseMessage> respond)
    {
        lock (gate)
        {
            always[Key(method, new Uri(url))] = respond;
        }

        return this;
    }

    /// <summary>Requests with the given method and URL, in order.</summary>
    public IReadOnlyList<RecordedRequest> RequestsTo(HttpMethod method, string url) =>
        Requests.Where(r => r.Method == method && r.Url == new Uri(url)).ToArray();

    /// <summary>A response with a JSON body and optional headers (name, value).</summary>
    public static HttpResponseMessage Json(HttpStatusCode status, string json, string mediaType = "application/json",
        params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, mediaType) };
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    /// <summary>An RFC 8555 §6.7 problem document with status <paramref name="status"/>.</summary>
    public static HttpResponseMessage Problem(HttpStatusCode status, string type, string detail,
        params (string Name, string Value)[] headers) =>
        Json(status, $$"""{"type":"{{type}}","detail":"{{detail}}","status":{{(int)status}}}""", "application/problem+json", headers);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var recorded = new RecordedRequest(
            request.Method,
            request.RequestUri ?? throw new InvalidOperationException("request without URL"),
            request.Content?.Headers.ContentType?.MediaType,
            request.Headers.Accept.ToString(),
            body);
        Func<HttpRequestMessage, HttpResponseMessage>? respond;
        lock (gate)
        {
            requests.Add(recorded);
            var key = Key(recorded.Method, recorded.Url);
            if (once.TryGetValue(key, out var queue) && queue.Count > 0)
            {
                respond = queue.Dequeue();
            }
            else
            {
                always.TryGetValue(key, out respond);
            }
        }

        if (respond is null)
        {
            throw new InvalidOperationException($"the script has no answer for {recorded.Method} {recorded.Url}");
        }

        var response = respond(request);
        response.RequestMessage = request;
        return response;
    }

    private static string Key(HttpMethod method, Uri url) => $"{method.Method} {url.AbsoluteUri}";

    /// <summary>One request as the handler received it.</summary>
    public sealed record RecordedRequest(HttpMethod Method, Uri Url, string? ContentType, string Accept, byte[] Body)
    {
        public string BodyText => Encoding.UTF8.GetString(Body);
    }
}
