using System.Text.Json;
using System.Text.Json.Serialization;

namespace Concorde.Acme.Wire;

/// <summary>Resource states of RFC 8555 §7.1.6, shared by accounts, orders, authorizations and challenges.</summary>
[JsonConverter(typeof(AcmeStatusConverter))]
public enum AcmeStatus
{
    /// <summary>A state this client does not know; never treated as success.</summary>
    Unknown,
    Pending,
    Ready,
    Processing,
    Valid,
    Invalid,
    Deactivated,
    Expired,
    Revoked,
}

/// <summary>Reads any string (unknown ones become <see cref="AcmeStatus.Unknown"/>), writes lowercase.</summary>
public sealed class AcmeStatusConverter : JsonConverter<AcmeStatus>
{
    /// <summary>Exact names only: Enum.TryParse would also take numbers and flag lists ("pending,ready" → Processing).</summary>
    public override AcmeStatus Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() switch
        {
            "pending" => AcmeStatus.Pending,
            "ready" => AcmeStatus.Ready,
            "processing" => AcmeStatus.Processing,
            "valid" => AcmeStatus.Valid,
            "invalid" => AcmeStatus.Invalid,
            "deactivated" => AcmeStatus.Deactivated,
            "expired" => AcmeStatus.Expired,
            "revoked" => AcmeStatus.Revoked,
            _ => AcmeStatus.Unknown,
        };

    public override void Write(Utf8JsonWriter writer, AcmeStatus value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Name(value));

    public static string Name(AcmeStatus status) => status.ToString().ToLowerInvariant();
}
