using System.Text.Json.Serialization;

namespace Concorde.Acme.Wire;

/// <summary>An order object (RFC 8555 §7.1.3; `profile` from the profiles draft, `replaces` RFC 9773 §5). The lists
/// §7.1.3 marks required are: an order without them (or with null) is malformed, not an order without names.</summary>
public sealed record Order : IJsonOnDeserialized
{
    [JsonPropertyName("status")] public AcmeStatus Status { get; init; }
    [JsonPropertyName("expires")] public DateTimeOffset? Expires { get; init; }
    [JsonPropertyName("identifiers")] public required IReadOnlyList<Identifier> Identifiers { get; init; }
    [JsonPropertyName("notBefore")] public DateTimeOffset? NotBefore { get; init; }
    [JsonPropertyName("notAfter")] public DateTimeOffset? NotAfter { get; init; }
    [JsonPropertyName("error")] public Problem? Error { get; init; }
    [JsonPropertyName("authorizations")] public required IReadOnlyList<Uri> Authorizations { get; init; }
    [JsonPropertyName("finalize")] public Uri? Finalize { get; init; }
    [JsonPropertyName("certificate")] public Uri? Certificate { get; init; }
    [JsonPropertyName("profile")] public string? Profile { get; init; }
    [JsonPropertyName("replaces")] public string? Replaces { get; init; }

    void IJsonOnDeserialized.OnDeserialized()
    {
        WireList.RequireElements(Identifiers, "identifiers");
        WireList.RequireElements(Authorizations, "authorizations");
    }
}

/// <summary>The newOrder payload (RFC 8555 §7.4). Optional members are sent only when set.</summary>
public sealed record NewOrderPayload
{
    [JsonPropertyName("identifiers")] public required IReadOnlyList<Identifier> Identifiers { get; init; }
    [JsonPropertyName("notBefore")] public DateTimeOffset? NotBefore { get; init; }
    [JsonPropertyName("notAfter")] public DateTimeOffset? NotAfter { get; init; }
    [JsonPropertyName("profile")] public string? Profile { get; init; }
    [JsonPropertyName("replaces")] public string? Replaces { get; init; }
}

/// <summary>The finalize payload (RFC 8555 §7.4): the CSR in base64url DER.</summary>
public sealed record FinalizePayload([property: JsonPropertyName("csr")] string Csr);
