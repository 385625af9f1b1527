using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Concorde.Shaman;

/// <summary>`"persist": {}` or `"persist": {"until": "2027-06-01"}` (profile or domain): the names are authorized by a
/// standing _validation-persist TXT record (dns-persist-01) that the administrator created; shaman answers that
/// challenge without an authenticator. `until` is the persistUntil written into the record, if any: `--status`
/// warns as it comes near, and the record shaman suggests carries it.</summary>
public sealed record DnsPersistSetting(DateTimeOffset? Until)
{
    /// <summary>`--status` warns when <see cref="Until"/> is closer than this.</summary>
    public static readonly TimeSpan WarnBefore = TimeSpan.FromDays(30);

    public static DnsPersistSetting? Parse(JsonObject obj, string where)
    {
        var node = obj["persist"];
        if (node is null) return null;
        if (node is not JsonObject persist)
            throw JsonFields.Error($"{where}\"persist\" must be an object, {{}} or {{\"until\": \"2027-06-01\"}}, found {JsonFields.Kind(node)}");
        if (persist["until"] is null) return new DnsPersistSetting((DateTimeOffset?)null);
        if (persist["until"] is not JsonValue value || value.GetValueKind() != JsonValueKind.String ||
            !DateTimeOffset.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var until))
            throw JsonFields.Error($"{where}\"persist\": \"until\" must be a date or time as text, e.g. \"2027-06-01\" or \"2027-06-01T00:00:00Z\"");
        return new DnsPersistSetting(until);
    }
}
