using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Concorde.Acme.Problems;

namespace Concorde.Shaman;

/// <summary>The state shaman keeps for one domain in shaman.json, beside the original's `key`, `order_id` and
/// `certificate_id`: failures for the backoff, the certificate being replaced, the ARI schedule and a pending deploy.
/// The only code that knows these field names; every change is saved before the method returns.</summary>
public sealed class DomainState(ProfileDocument document, string name)
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";
    private const string KeyField = "key";
    private const string OrderField = "order_id";
    private const string CertificateField = "certificate_id";
    private const string ReplacesField = "replaces";
    private const string RenewalInfoField = "renewalInfo";
    private const string DeployPendingField = "deployPending";
    private const string ServedOkField = "servedOk";
    private const string FromPreviousServerField = "fromPreviousServer";

    /// <summary>Every state field shaman (and the Python tool: `key`, `order_id`, `certificate_id`) records for a domain.</summary>
    public static readonly IReadOnlyList<string> Fields =
        [KeyField, OrderField, CertificateField, .. FailureFields.Domain.Names, ReplacesField, RenewalInfoField, DeployPendingField, ServedOkField,
         FromPreviousServerField];

    /// <summary>What belongs to the CA rather than to the administrator: forgotten when `server` names another CA.</summary>
    private static readonly string[] CaStateFields =
        [OrderField, CertificateField, ReplacesField, RenewalInfoField, .. FailureFields.Domain.Names];

    /// <summary>Refuses state fields of the wrong type before anything runs (<see cref="ProfileSettings.Parse"/>).</summary>
    internal static void Validate(JsonObject domain, string where)
    {
        foreach (var field in new[] { KeyField, ReplacesField })
            JsonFields.OptionalString(domain, field, where);
        JsonFields.OptionalUrl(domain, OrderField, where);
        JsonFields.OptionalUrl(domain, CertificateField, where);
        FailureFields.Domain.Validate(domain, where);
    }

    /// <summary>The key file, relative to the profile directory; null until shaman created or adopted one.</summary>
    public string? KeyFile => document.Get(name, KeyField);
    public string? OrderId => document.Get(name, OrderField);
    public string? CertificateId => document.Get(name, CertificateField);
    public Uri? OrderUrl => Url(OrderId);
    public Uri? CertificateUrl => Url(CertificateId);
    /// <summary>The ARI certificate ID of the certificate the next order replaces (RFC 9773 §5).</summary>
    public string? Replaces => document.Get(name, ReplacesField);

    /// <summary>The domain's failure record, for the backoff.</summary>
    public FailureRecord Failure => FailureFields.Domain.Read(f => document.GetNode(name, f));

    /// <summary>Everything recorded for the domain, at once: what <see cref="DomainDecision"/> decides from.</summary>
    public DomainRecord Snapshot() => new(KeyFile, OrderId, CertificateId, Failure, Replaces, RenewalInfo, DeployPending, ServedOk,
        document.GetNode(name, FromPreviousServerField) is JsonValue value && value.GetValueKind() == JsonValueKind.True);

    /// <summary>The last renewal information recorded; null when shaman never asked, e.g. for a certificate the Python
    /// tool issued.</summary>
    public RenewalInfoRecord? RenewalInfo
    {
        get
        {
            if (document.GetNode(name, RenewalInfoField) is not JsonObject info) return null;
            if (ParseTime(StringField(info, "checkAfter")) is not { } checkAfter) return null;
            var start = ParseTime(StringField(info, "windowStart"));
            var end = ParseTime(StringField(info, "windowEnd"));
            var renewAt = ParseTime(StringField(info, "renewAt"));
            var schedule = start is { } s && end is { } e && renewAt is { } r ? new AriSchedule(s, e, r) : null;
            return new RenewalInfoRecord(schedule, checkAfter);
        }
    }

    /// <summary>The certificate file changed and the deploy hook has not yet succeeded for it.</summary>
    public bool DeployPending => document.GetNode(name, DeployPendingField) is JsonValue value && value.GetValueKind() == JsonValueKind.True;

    /// <summary>Whether the last check of the endpoints in `verify` saw this certificate served; null when none was made.</summary>
    public bool? ServedOk => document.GetNode(name, ServedOkField) is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False
        ? value.GetValue<bool>()
        : null;

    public Task RecordServedAsync(bool? ok, CancellationToken ct) =>
        ok == ServedOk
            ? Task.CompletedTask
            : document.UpdateDomainAsync(name, d =>
            {
                if (ok is { } served) d[ServedOkField] = served;
                else d.Remove(ServedOkField);
            }, ct);

    /// <summary>Written with the next save: the next run adopts the file anyway (<see cref="KeyStore"/>).</summary>
    public Task RecordKeyLaterAsync(string keyFile, CancellationToken ct) => document.SetLaterAsync(name, KeyField, keyFile, ct);

    public Task RecordOrderAsync(Uri order, CancellationToken ct) => document.SetAsync(name, OrderField, order.AbsoluteUri, ct);

    /// <summary>The order is gone or dead: the next step starts a new one.</summary>
    public Task ForgetOrderAsync(CancellationToken ct) => document.RemoveAsync(name, OrderField, ct);

    /// <summary>The CA says the certificate named in `replaces` was replaced already.</summary>
    public Task ForgetReplacesAsync(CancellationToken ct) => document.RemoveAsync(name, ReplacesField, ct);

    /// <summary>The issued certificate is on disk: its URL replaces the order, and with it the renewal information of
    /// the certificate it replaced, in one write. An issuance that succeeded ends the failures that led to it: a deploy
    /// that fails afterwards must not be held back by an ordering backoff that no longer applies.</summary>
    public Task RecordCertificateAsync(Uri certificate, RenewalInfoRecord? renewalInfo, CancellationToken ct) =>
        document.UpdateDomainAsync(name, d =>
        {
            d[CertificateField] = certificate.AbsoluteUri;
            d.Remove(OrderField);
            d.Remove(ReplacesField);
            d.Remove(FromPreviousServerField);
            if (renewalInfo is null) d.Remove(RenewalInfoField);
            else d[RenewalInfoField] = RenewalInfoNode(renewalInfo);
            FailureFields.Domain.Clear(d);
        }, ct);

    /// <summary>The certificate file is about to change: what was seen served was the old certificate, and the deploy
    /// program (when there is one) owes the new one. One write, before the file changes, so a crash in between still
    /// deploys and checks the new file on the next run.</summary>
    public Task RecordCertificateChangingAsync(bool deployPending, CancellationToken ct) =>
        deployPending == DeployPending && ServedOk is null
            ? Task.CompletedTask
            : document.UpdateDomainAsync(name, d =>
            {
                d.Remove(ServedOkField);
                if (deployPending) d[DeployPendingField] = true;
                else d.Remove(DeployPendingField);
            }, ct);

    /// <summary>A new certificate is needed; <paramref name="replaces"/> names the one it replaces (ARI), if known.</summary>
    public Task ForgetCertificateAsync(string? replaces, CancellationToken ct) =>
        document.UpdateDomainAsync(name, d =>
        {
            d.Remove(CertificateField);
            if (replaces is not null) d[ReplacesField] = replaces;
        }, ct);

    /// <summary>The certificate was revoked or its key replaced: neither it nor an order placed before is carried on, and
    /// the next step orders anew, in one write.</summary>
    public Task ForgetCertificateAndOrderAsync(string? replaces, CancellationToken ct) =>
        document.UpdateDomainAsync(name, d =>
        {
            d.Remove(CertificateField);
            d.Remove(OrderField);
            d.Remove(RenewalInfoField);
            if (replaces is null) d.Remove(ReplacesField);
            else d[ReplacesField] = replaces;
        }, ct);

    public Task RecordRenewalInfoAsync(RenewalInfoRecord renewalInfo, CancellationToken ct) =>
        document.UpdateDomainAsync(name, d => d[RenewalInfoField] = RenewalInfoNode(renewalInfo), ct);

    public Task SetDeployPendingAsync(bool pending, CancellationToken ct) =>
        pending == DeployPending
            ? Task.CompletedTask
            : document.UpdateDomainAsync(name, d =>
            {
                if (pending) d[DeployPendingField] = true;
                else d.Remove(DeployPendingField);
            }, ct);

    /// <param name="caRetryAt">When the CA asked to be asked again (Retry-After), if it did.</param>
    public Task RecordFailureAsync(string error, DateTimeOffset now, DateTimeOffset? caRetryAt, CancellationToken ct) =>
        document.UpdateDomainAsync(name, d => FailureFields.Domain.Record(d, FailureFields.Domain.Read(f => d[f]), error, now, caRetryAt), ct);

    /// <summary>Success forgets earlier failures; a run that had none writes nothing.</summary>
    public Task ClearFailuresAsync(CancellationToken ct) =>
        FailureFields.Domain.IsRecorded(f => document.GetNode(name, f))
            ? document.UpdateDomainAsync(name, FailureFields.Domain.Clear, ct)
            : Task.CompletedTask;

    /// <summary>Removes from a domain's object what belonged to the old CA, for <see cref="ProfileState.ForgetCaStateAsync"/>,
    /// which changes every domain in one write.</summary>
    /// <summary>The certificate file stays in service until its replacement is issued, but is not adopted: the
    /// previous CA's (e.g. staging's) until <see cref="RecordCertificateAsync"/>.</summary>
    internal static void ForgetCaState(JsonObject domain)
    {
        foreach (var field in CaStateFields) domain.Remove(field);
        domain[FromPreviousServerField] = true;
    }

    /// <summary>A message without the leading "&lt;name&gt;: " it was logged with, for a line that names the domain
    /// already; the Python tool's or a hand-edited one is shown whole.</summary>
    public static string WithoutName(string name, string message) =>
        message.StartsWith($"{name}: ", StringComparison.Ordinal) ? message[(name.Length + 2)..] : message;

    public static string FormatTime(DateTimeOffset time) => time.ToUniversalTime().ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static JsonObject RenewalInfoNode(RenewalInfoRecord record)
    {
        var info = new JsonObject { ["checkAfter"] = FormatTime(record.CheckAfter) };
        if (record.Schedule is { } schedule)
        {
            info["windowStart"] = FormatTime(schedule.WindowStart);
            info["windowEnd"] = FormatTime(schedule.WindowEnd);
            info["renewAt"] = FormatTime(schedule.RenewAt);
        }
        return info;
    }

    /// <summary><see cref="Validate"/> refused anything but an absolute URL before the run began.</summary>
    private static Uri? Url(string? value) => value is null ? null : new Uri(value, UriKind.Absolute);

    internal static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;

    private static string? StringField(JsonObject obj, string field) =>
        obj[field] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
