using System.Text.Json;
using System.Text.Json.Serialization;

namespace Concorde.Acme.Wire;

/// <summary>An account object (RFC 8555 §7.1.2).</summary>
public sealed record Account : IJsonOnDeserialized
{
    [JsonPropertyName("status")] public AcmeStatus Status { get; init; }
    [JsonPropertyName("contact")] public IReadOnlyList<string>? Contact { get; init; }
    [JsonPropertyName("termsOfServiceAgreed")] public bool? TermsOfServiceAgreed { get; init; }
    [JsonPropertyName("orders")] public Uri? Orders { get; init; }

    void IJsonOnDeserialized.OnDeserialized() => WireList.RequireElements(Contact, "contact");
}

/// <summary>The newAccount request payload (RFC 8555 §7.3).</summary>
public sealed record NewAccountPayload
{
    [JsonPropertyName("contact")] public IReadOnlyList<string>? Contact { get; init; }
    [JsonPropertyName("termsOfServiceAgreed")] public bool? TermsOfServiceAgreed { get; init; }
    [JsonPropertyName("onlyReturnExisting")] public bool? OnlyReturnExisting { get; init; }
    [JsonPropertyName("externalAccountBinding")] public JwsMessage? ExternalAccountBinding { get; init; }
}

/// <summary>Account update payload (RFC 8555 §7.3.2 contacts, §7.3.6 deactivation).</summary>
public sealed record AccountUpdatePayload
{
    [JsonPropertyName("contact")] public IReadOnlyList<string>? Contact { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
}

/// <summary>The inner payload of a key change (RFC 8555 §7.3.5).</summary>
public sealed record KeyChangePayload(
    [property: JsonPropertyName("account")] Uri Account,
    [property: JsonPropertyName("oldKey")] JsonElement OldKey);

/// <summary>Deactivation payload for accounts and authorizations (RFC 8555 §7.3.6, §7.5.2).</summary>
public sealed record StatusPayload([property: JsonPropertyName("status")] string Status);
