using System.Text.Json.Serialization;

namespace Concorde.Acme.Wire;

/// <summary>The directory object (RFC 8555 §7.1.1), plus renewalInfo (RFC 9773 §4).</summary>
public sealed record AcmeDirectory
{
    [JsonPropertyName("newNonce")] public Uri? NewNonce { get; init; }
    [JsonPropertyName("newAccount")] public Uri? NewAccount { get; init; }
    [JsonPropertyName("newOrder")] public Uri? NewOrder { get; init; }
    [JsonPropertyName("newAuthz")] public Uri? NewAuthz { get; init; }
    [JsonPropertyName("revokeCert")] public Uri? RevokeCert { get; init; }
    [JsonPropertyName("keyChange")] public Uri? KeyChange { get; init; }
    [JsonPropertyName("renewalInfo")] public Uri? RenewalInfo { get; init; }
    [JsonPropertyName("meta")] public DirectoryMeta? Meta { get; init; }
}

/// <summary>Directory metadata (RFC 8555 §7.1.1; `profiles` from the ACME profiles draft).</summary>
public sealed record DirectoryMeta : IJsonOnDeserialized
{
    [JsonPropertyName("termsOfService")] public string? TermsOfService { get; init; }
    [JsonPropertyName("website")] public string? Website { get; init; }
    [JsonPropertyName("caaIdentities")] public IReadOnlyList<string>? CaaIdentities { get; init; }
    [JsonPropertyName("externalAccountRequired")] public bool ExternalAccountRequired { get; init; }
    /// <summary>Profile name → human-readable description.</summary>
    [JsonPropertyName("profiles")] public IReadOnlyDictionary<string, string>? Profiles { get; init; }

    void IJsonOnDeserialized.OnDeserialized()
    {
        WireList.RequireElements(CaaIdentities, "caaIdentities");
        WireList.RequireElements(Profiles?.Values, "profiles");
    }
}
