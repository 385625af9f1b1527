using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Concorde.Shaman;

/// <summary>The state shaman keeps for one domain in shaman.json, beside the original's `key`, `order_id` and
/// `certificate_id`: failures for the backoff, the certificate being replaced, and the ARI schedule.</summary>
public sealed class DomainState(ProfileDocument document, string name)
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    /// <summary>Every state field shaman (and the Python tool: `key`, `order_id`, `certificate_id`) records for a domain.</summary>
    public static readonly IReadOnlyList<string> Fields =
        ["key", "order_id", "certificate_id", "failures", "lastFailure", "lastError", "replaces", "renewalInfo", "deployPending"];

    public string? OrderId => document.Get(name, "order_id");
    public string? CertificateId => document.Get(name, "certificate_id");
    public string? LastError => document.Get(name, "lastError");
    /// <summary>The ARI certificate ID of the certificate the next order replaces (RFC 9773 §5).</summary>
    public string? Replaces => document.Get(name, "replaces");

    public int Failures => document.GetNode(name, "failures") is JsonValue value && value.TryGetValue<double>(out var count)
        ? (int)Math.Clamp(count, 0, int.MaxValue)
        : 0;

    public DateTimeOffset? LastFailure => ParseTime(document.Get(name, "lastFailure"));

    public DateTimeOffset? BackoffUntil =>
        Failures > 0 && LastFailure is { } last ? FailureBackoff.NextAttempt(Failures, last) : null;

    /// <summary>The ARI schedule (null when the CA offers none) and when the CA may be asked again; null when
    /// shaman never asked, e.g. for a certificate the Python tool issued.</summary>
    public (AriSchedule? Schedule, DateTimeOffset CheckAfter)? RenewalInfo
    {
        get
        {
            if (document.GetNode(name, "renewalInfo") is not JsonObject info) return null;
            var checkAfter = ParseTime(StringField(info, "checkAfter"));
            if (checkAfter is null) return null;
            var start = ParseTime(StringField(info, "windowStart"));
            var end = ParseTime(StringField(info, "windowEnd"));
            var renewAt = ParseTime(StringField(info, "renewAt"));
            var schedule = start is { } s && end is { } e && renewAt is { } r ? new AriSchedule(s, e, r) : null;
            return (schedule, checkAfter.Value);
        }
    }

    /// <summary>The certificate file changed and the deploy hook has not yet succeeded for it.</summary>
    public bool DeployPending => document.GetNode(name, "deployPending") is JsonValue value && value.GetValueKind() == JsonValueKind.True;

    public Task SetDeployPendingAsync(bool pending, CancellationToken ct) =>
        pending == DeployPending
            ? Task.CompletedTask
            : document.UpdateDomainAsync(name, d =>
            {
                if (pending) d["deployPending"] = true;
                else d.Remove("deployPending");
            }, ct);

    public Task RecordFailureAsync(string error, DateTimeOffset now, CancellationToken ct) =>
        document.UpdateDomainAsync(name, d =>
        {
            d["failures"] = Failures + 1;
            d["lastFailure"] = FormatTime(now);
            d["lastError"] = error;
        }, ct);

    /// <summary>Success forgets earlier failures; a run that had none writes nothing.</summary>
    public Task ClearFailuresAsync(CancellationToken ct) =>
        document.GetNode(name, "failures") is null && document.GetNode(name, "lastFailure") is null && LastError is null
            ? Task.CompletedTask
            : document.UpdateDomainAsync(name, d =>
            {
                d.Remove("failures");
                d.Remove("lastFailure");
                d.Remove("lastError");
            }, ct);

    /// <summary>Whether to ask the CA about renewal: when the recorded time to ask again has passed, and once for a
    /// certificate nobody asked about (one the Python tool issued), so a renewal the CA announces early — e.g.
    /// before a mass revocation — is not missed until the fallback rule renews. RFC 9773 §4.2 asks clients not to
    /// query for expired certificates; there is nothing to ask.</summary>
    public bool IsRenewalInfoDue(DateTimeOffset notAfter, DateTimeOffset now) =>
        notAfter > now && (RenewalInfo is not { } known || now >= known.CheckAfter);

    public Task SetRenewalInfoAsync(AriSchedule? schedule, DateTimeOffset checkAfter, CancellationToken ct) =>
        document.UpdateDomainAsync(name, d => d["renewalInfo"] = RenewalInfoNode(schedule, checkAfter), ct);

    /// <summary>The `renewalInfo` object, for a caller that records it together with other changes in one write.</summary>
    public static JsonObject RenewalInfoNode(AriSchedule? schedule, DateTimeOffset checkAfter)
    {
        var info = new JsonObject { ["checkAfter"] = FormatTime(checkAfter) };
        if (schedule is not null)
        {
            info["windowStart"] = FormatTime(schedule.WindowStart);
            info["windowEnd"] = FormatTime(schedule.WindowEnd);
            info["renewAt"] = FormatTime(schedule.RenewAt);
        }
        return info;
    }

    /// <summary>A message without the leading "&lt;name&gt;: " it was logged with, for a line that names the domain
    /// already; the Python tool's or a hand-edited one is shown whole.</summary>
    public static string WithoutName(string name, string message) =>
        message.StartsWith($"{name}: ", StringComparison.Ordinal) ? message[(name.Length + 2)..] : message;

    public static string FormatTime(DateTimeOffset time) => time.ToUniversalTime().ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;

    private static string? StringField(JsonObject obj, string field) =>
        obj[field] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
