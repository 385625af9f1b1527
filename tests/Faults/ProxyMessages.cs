using System.Text;
using System.Text.Json;
using Concorde.Tests.Support;

namespace Concorde.Tests.Faults;

/// <summary>One request as the proxy received it, numbered from 0 in order of arrival, with the fault (if any)
/// that answered it.</summary>
public sealed record ProxiedRequest(int Index, string Method, string Target, IReadOnlyList<KeyValuePair<string, string>> Headers,
    byte[] Body)
{
    public string Path => Target.Split('?', 2)[0];

    /// <summary><see cref="Fault.Name"/> of the fault that answered, null when the request was forwarded untouched.</summary>
    public string? Fault { get; internal set; }

    /// <summary>The `nonce` of the JWS protected header of a signed POST; null for anything else.</summary>
    public string? JwsNonce
    {
        get
        {
            if (Body.Length == 0) return null;
            try
            {
                using var jws = JsonDocument.Parse(Body);
                if (!jws.RootElement.TryGetProperty("protected", out var encoded)) return null;
                using var header = JsonDocument.Parse(RfcBase64Url.Decode(encoded.GetString() ?? ""));
                return header.RootElement.TryGetProperty("nonce", out var nonce) ? nonce.GetString() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    public override string ToString() => $"#{Index} {Method} {Target}{(Fault is null ? "" : $" [{Fault}]")}";

}

/// <summary>A complete response the proxy is about to send: what the upstream server answered (with its URLs
/// already rewritten to the proxy) or what a fault made up. Faults derive changed copies with the With* methods.</summary>
public sealed record ProxyResponse(int Status, string Reason, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    public string? Header(string name) => HttpWire.Find(Headers, name);

    public string BodyText => Encoding.UTF8.GetString(Body);

    public ProxyResponse WithoutHeader(string name) =>
        this with { Headers = Headers.Where(h => !h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).ToList() };

    public ProxyResponse WithHeader(string name, string value) =>
        this with { Headers = [.. WithoutHeader(name).Headers, new(name, value)] };

    public ProxyResponse WithBody(byte[] body) => this with { Body = body };

    public ProxyResponse WithBody(string body) => WithBody(Encoding.UTF8.GetBytes(body));

    /// <summary>A response made up by the proxy; the body is sent as <paramref name="mediaType"/>.</summary>
    public static ProxyResponse Create(int status, string reason, string mediaType, string body,
        params (string Name, string Value)[] headers) =>
        new(status, reason,
            [new("Content-Type", mediaType), .. headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value))],
            Encoding.UTF8.GetBytes(body));
}
