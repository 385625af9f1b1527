using System.Text.Json.Serialization;

namespace Concorde.Acme.Wire;

/// <summary>A renewalInfo response (RFC 9773 §4.2).</summary>
public sealed record RenewalInfo
{
    [JsonPropertyName("suggestedWindow")] public required SuggestedWindow SuggestedWindow { get; init; }
    [JsonPropertyName("explanationURL")] public Uri? ExplanationUrl { get; init; }
}

public sealed record SuggestedWindow(
    [property: JsonPropertyName("start")] DateTimeOffset Start,
    [property: JsonPropertyName("end")] DateTimeOffset End);
