using System.Text.Json.Serialization;

namespace Concorde.Acme.Wire;

/// <summary>An authorization object (RFC 8555 §7.1.4); `identifier` and `challenges` are required there.</summary>
public sealed record Authorization : IJsonOnDeserialized
{
    [JsonPropertyName("identifier")] public required Identifier Identifier { get; init; }
    [JsonPropertyName("status")] public AcmeStatus Status { get; init; }
    [JsonPropertyName("expires")] public DateTimeOffset? Expires { get; init; }
    [JsonPropertyName("challenges")] public required IReadOnlyList<Challenge> Challenges { get; init; }
    [JsonPropertyName("wildcard")] public bool Wildcard { get; init; }

    void IJsonOnDeserialized.OnDeserialized() => WireList.RequireElements(Challenges, "challenges");
}

/// <summary>A challenge object (RFC 8555 §7.1.5, §8). Unknown types are kept as their string.</summary>
public sealed record Challenge : IJsonOnDeserialized
{
    public const string Http01 = "http-01";
    public const string Dns01 = "dns-01";
    public const string TlsAlpn01 = "tls-alpn-01";
    /// <summary>draft-ietf-acme-dns-account-label: dns-01 at a record name that is specific to the account.</summary>
    public const string DnsAccount01 = "dns-account-01";
    /// <summary>draft-ietf-acme-dns-persist: a standing TXT record names CA and account; the challenge has no token.</summary>
    public const string DnsPersist01 = "dns-persist-01";

    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("url")] public required Uri Url { get; init; }
    [JsonPropertyName("status")] public AcmeStatus Status { get; init; }
    [JsonPropertyName("validated")] public DateTimeOffset? Validated { get; init; }
    [JsonPropertyName("error")] public Problem? Error { get; init; }
    /// <summary>Absent for token-less types such as <see cref="DnsPersist01"/>.</summary>
    [JsonPropertyName("token")] public string? Token { get; init; }
    /// <summary>dns-persist-01: the names by which the CA may be named in the record.</summary>
    [JsonPropertyName("issuer-domain-names")] public IReadOnlyList<string>? IssuerDomainNames { get; init; }

    void IJsonOnDeserialized.OnDeserialized() => WireList.RequireElements(IssuerDomainNames, "issuer-domain-names");
}
