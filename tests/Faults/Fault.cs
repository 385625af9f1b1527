using System.Text;
using System.Text.Json.Nodes;

namespace Concorde.Tests.Faults;

/// <summary>What the <see cref="FaultProxy"/> does to a request instead of forwarding it untouched: answer for the
/// server, change the server's answer, or misbehave on the connection. Each factory names the failure it imitates.</summary>
public sealed class Fault
{
    private readonly Func<ProxyExchange, CancellationToken, Task> _apply;

    private Fault(string name, Func<ProxyExchange, CancellationToken, Task> apply)
    {
        Name = name;
        _apply = apply;
    }

    public string Name { get; }

    public override string ToString() => Name;

    internal Task ApplyAsync(ProxyExchange exchange, CancellationToken ct) => _apply(exchange, ct);

    /// <summary>Anything else a test needs, written against <see cref="ProxyExchange"/>.</summary>
    public static Fault Custom(string name, Func<ProxyExchange, CancellationToken, Task> apply) => new(name, apply);

    /// <summary>Forwards, then sends the server's answer changed by <paramref name="change"/>.</summary>
    public static Fault Rewrite(string name, Func<ProxyResponse, ProxyResponse> change) =>
        new(name, async (exchange, ct) => await exchange.RespondAsync(change(await exchange.ForwardAsync(ct)), ct));

    /// <summary>500/502/503 from a load balancer in front of the CA: an HTML page, no problem document, no nonce;
    /// the request never reaches the CA.</summary>
    public static Fault ServerError(int status, int? retryAfterSeconds = null) =>
        new($"HTTP {status}{(retryAfterSeconds is { } s ? $" Retry-After {s}" : "")}", (exchange, ct) =>
            exchange.RespondAsync(ProxyResponse.Create(status, ReasonPhrase(status), "text/html",
                $"<html><body><h1>{status} {ReasonPhrase(status)}</h1></body></html>",
                retryAfterSeconds is { } seconds ? [("Retry-After", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture))] : []), ct));

    /// <summary>429 with an RFC 8555 §6.6 rateLimited problem and Retry-After.</summary>
    public static Fault RateLimited(int retryAfterSeconds) =>
        new($"429 rateLimited Retry-After {retryAfterSeconds}", (exchange, ct) =>
            exchange.RespondAsync(ProxyResponse.Create(429, "Too Many Requests", "application/problem+json",
                """{"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many new orders recently","status":429}""",
                ("Retry-After", retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))), ct));

    /// <summary>Closes the connection instead of answering. With <paramref name="afterForwarding"/> the CA did act
    /// on the request: only its answer is lost.</summary>
    public static Fault DropBeforeResponse(bool afterForwarding = false) =>
        new(afterForwarding ? "drop after the server acted" : "drop before the response", async (exchange, ct) =>
        {
            if (afterForwarding) await exchange.ForwardAsync(ct);
            exchange.CloseConnection();
        });

    /// <summary>Forwards, sends the head with the full Content-Length and half of the body, then closes.</summary>
    public static Fault DropMidBody() =>
        new("drop in the middle of the body", async (exchange, ct) =>
        {
            var response = await exchange.ForwardAsync(ct);
            await exchange.WriteHeadAsync(response, response.Body.Length, ct);
            await exchange.Client.WriteAsync(response.Body.AsMemory(0, response.Body.Length / 2), ct);
            await exchange.Client.FlushAsync(ct);
            exchange.CloseConnection();
        });

    /// <summary>Forwards, sends the head with the full Content-Length and half of the body, then says nothing for
    /// <paramref name="duration"/> and closes: a CA that hangs halfway through an answer.</summary>
    public static Fault StallMidBody(TimeSpan duration) =>
        new($"stall {duration.TotalSeconds:0.#} s in the middle of the body", async (exchange, ct) =>
        {
            var response = await exchange.ForwardAsync(ct);
            await exchange.WriteHeadAsync(response, response.Body.Length, ct);
            await exchange.Client.WriteAsync(response.Body.AsMemory(0, response.Body.Length / 2), ct);
            await exchange.Client.FlushAsync(ct);
            await Task.Delay(duration, ct);
            exchange.CloseConnection();
        });

    /// <summary>Says nothing for <paramref name="duration"/>, then closes: a CA that hangs. The request never
    /// reaches the CA unless <paramref name="afterForwarding"/>.</summary>
    public static Fault Stall(TimeSpan duration, bool afterForwarding = false) =>
        new($"stall {duration.TotalSeconds:0.#} s", async (exchange, ct) =>
        {
            if (afterForwarding) await exchange.ForwardAsync(ct);
            await Task.Delay(duration, ct);
            exchange.CloseConnection();
        });

    /// <summary>Forwards and sends only the first <paramref name="keep"/> of the body, with an honest
    /// Content-Length: a complete HTTP message carrying a broken document.</summary>
    public static Fault TruncatedBody(double keep = 0.5) =>
        Rewrite($"body truncated to {keep:P0}", response => response.WithBody(response.Body[..(int)(response.Body.Length * keep)]));

    /// <summary>Forwards and replaces the body with text that is not JSON.</summary>
    public static Fault MalformedJson() =>
        Rewrite("malformed JSON", response => response.WithBody("""{"status": valid, "identifiers": [}"""));

    /// <summary>Forwards and changes the Content-Type.</summary>
    public static Fault ContentType(string mediaType) =>
        Rewrite($"Content-Type {mediaType}", response => response.WithHeader("Content-Type", mediaType));

    /// <summary>Forwards and drops a header field (e.g. Location of newOrder/newAccount).</summary>
    public static Fault WithoutHeader(string name) =>
        Rewrite($"no {name} header", response => response.WithoutHeader(name));

    /// <summary>Forwards and removes members of the JSON object (e.g. endpoints of the directory).</summary>
    public static Fault WithoutJsonMembers(params string[] names) =>
        Rewrite($"JSON without {string.Join(", ", names)}", response =>
        {
            var json = JsonNode.Parse(response.Body)?.AsObject() ?? throw new InvalidDataException("the upstream body is not a JSON object");
            foreach (var name in names) json.Remove(name);
            return response.WithBody(json.ToJsonString());
        });

    /// <summary>200 with a body of <paramref name="bytes"/> bytes, streamed from a small buffer, declared with
    /// Content-Length or (when <paramref name="declareLength"/> is false) sent chunked so only counting can stop it.
    /// The request never reaches the CA.</summary>
    public static Fault HugeBody(long bytes, bool declareLength) =>
        new($"{bytes / (1024 * 1024)} MiB body{(declareLength ? "" : " chunked")}", async (exchange, ct) =>
        {
            var head = new ProxyResponse(200, "OK", [new("Content-Type", "application/json")], []);
            await exchange.WriteHeadAsync(head, declareLength ? bytes : null, ct);
            var block = Encoding.ASCII.GetBytes(new string(' ', 64 * 1024));
            for (long sent = 0; sent < bytes;)
            {
                var size = (int)Math.Min(block.Length, bytes - sent);
                if (!declareLength) await exchange.Client.WriteAsync(Encoding.ASCII.GetBytes($"{size:x}\r\n"), ct);
                await exchange.Client.WriteAsync(block.AsMemory(0, size), ct);
                if (!declareLength) await exchange.Client.WriteAsync("\r\n"u8.ToArray(), ct);
                sent += size;
            }
            if (!declareLength) await exchange.Client.WriteAsync("0\r\n\r\n"u8.ToArray(), ct);
            await exchange.Client.FlushAsync(ct);
        });

    private static string ReasonPhrase(int status) => status switch
    {
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    };
}
