using System.Net;
using System.Net.Sockets;
using System.Text.Json.Serialization;

namespace Concorde.Acme.Wire;

/// <summary>An order identifier (RFC 8555 §9.7.7 "dns", RFC 8738 "ip").</summary>
public sealed record Identifier(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("value")] string Value)
{
    public const string Dns = "dns";
    public const string Ip = "ip";

    public static Identifier ForDns(string name) => new(Dns, name);

    /// <summary>RFC 8738 §3: the value is the textual form of the address (RFC 5952 for IPv6).</summary>
    public static Identifier ForIp(IPAddress address) => new(Ip, address.ToString());

    /// <summary>A DNS name, or an IP identifier when the text is an IP address literal: dotted-quad IPv4 or IPv6.
    /// IPAddress.TryParse alone also takes inet_aton shorthands ("10" is 0.0.0.10, "1.2.3" is 1.2.0.3).</summary>
    public static Identifier ForName(string name) =>
        IPAddress.TryParse(name, out var address) && !name.Contains('/')
        && (address.AddressFamily == AddressFamily.InterNetworkV6 || address.ToString() == name)
            ? ForIp(address)
            : ForDns(name);

    /// <summary>For comparing identifiers: DNS names without ASCII case (RFC 4343: only A–Z fold; a KELVIN SIGN does not
    /// become "k", and a trailing dot is another name), IP addresses in their canonical text. A CA's spelling that is
    /// not exactly one of ours, but for ASCII case, is not ours.</summary>
    public string Canonical() => Type switch
    {
        Dns => $"dns|{AsciiLower(Value)}",
        Ip when IPAddress.TryParse(Value, out var address) => $"ip|{address}",
        _ => ToString(),
    };

    private static string AsciiLower(string text) => string.Create(text.Length, text, static (span, value) =>
    {
        for (var i = 0; i < value.Length; i++) span[i] = char.IsAsciiLetterUpper(value[i]) ? (char)(value[i] | 0x20) : value[i];
    });

    /// <summary>The same identifiers, in any order and spelling (<see cref="Canonical"/>).</summary>
    public static bool SameSet(IEnumerable<Identifier> a, IEnumerable<Identifier> b) =>
        a.Select(i => i.Canonical()).ToHashSet(StringComparer.Ordinal).SetEquals(b.Select(i => i.Canonical()));

    public override string ToString() => $"{Type}|{Value}";
}
