using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Concorde.Shaman;

/// <summary>One entry of `"verify"`: a TLS endpoint that should serve the domain's certificate, written
/// "host:port", an IPv6 address in brackets ("[::1]:443").</summary>
public sealed record VerifyEndpoint(string Host, int Port)
{
    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <summary>The endpoints of `"verify"` in <paramref name="obj"/>, null when it has none; a malformed one is a
    /// profile error naming it.</summary>
    internal static IReadOnlyList<VerifyEndpoint>? ParseList(JsonObject obj, string where)
    {
        if (obj["verify"] is null) return null;
        return JsonFields.StringList(obj["verify"], $"{where}\"verify\"").Select(text => Parse(text) is var (endpoint, problem) && endpoint is not null
            ? endpoint
            : throw JsonFields.Error($"{where}\"verify\": \"{Printable(text)}\" {problem}")).ToList();
    }

    /// <summary>The endpoint, or null and why not, phrased to follow the quoted text.</summary>
    public static (VerifyEndpoint? Endpoint, string? Problem) Parse(string text)
    {
        const string Form = "is not host:port (e.g. \"example.com:443\", \"192.0.2.1:443\" or \"[2001:db8::1]:443\")";
        var colon = text.LastIndexOf(':');
        if (colon <= 0) return (null, Form);
        var host = text[..colon];
        var portText = text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            return (null, $"has no port between 1 and 65535 after the last ':'; {Form}");
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            var inner = host[1..^1];
            return IPAddress.TryParse(inner, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 && !inner.Contains('%')
                ? (new VerifyEndpoint(inner, port), null)
                : (null, "has no IPv6 address between the brackets");
        }
        if (host.Contains(':')) return (null, "has an IPv6 address without brackets; write it as \"[2001:db8::1]:443\"");
        if (host == "localhost") return (new VerifyEndpoint(host, port), null);
        if (IPAddress.TryParse(host, out var address) && address.AddressFamily == AddressFamily.InterNetwork && address.ToString() == host)
            return (new VerifyEndpoint(host, port), null);
        var problem = host.StartsWith("*.", StringComparison.Ordinal) ? "a wildcard is not a host" : DomainName.Problem(host);
        return problem is null ? (new VerifyEndpoint(host, port), null) : (null, $"names no host ({problem}); {Form}");
    }

    private static string Printable(string text) => string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
