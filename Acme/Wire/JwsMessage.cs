using System.Text.Json.Serialization;

namespace Concorde.Acme.Wire;

/// <summary>A JWS in flattened JSON serialization (RFC 7515 §7.2.2), as RFC 8555 §6.2 requires.</summary>
public sealed record JwsMessage(
    [property: JsonPropertyName("protected")] string Protected,
    [property: JsonPropertyName("payload")] string Payload,
    [property: JsonPropertyName("signature")] string Signature);

/// <summary>The revokeCert payload (RFC 8555 §7.6).</summary>
public sealed record RevocationPayload
{
    [JsonPropertyName("certificate")] public required string Certificate { get; init; }
    [JsonPropertyName("reason")] public int? Reason { get; init; }
}
