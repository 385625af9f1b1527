using System.Globalization;
using System.Text;
using System.Text.Json;
using Concorde.Acme.Problems;

namespace Concorde.Shaman;

/// <summary>Prints domain plans: the `--status` table or JSON, and the `--dry-run` list of intended actions.</summary>
public static class StatusReport
{
    /// <summary>An aligned table; with <paramref name="colour"/> (a terminal) each domain's line is green when
    /// nothing is due, yellow when work is planned (a pending deploy included), red when it is backing off after
    /// failures.</summary>
    public static string Table(IReadOnlyList<DomainPlan> plans, DateTimeOffset now, bool colour = false, RunFailureStatus? run = null)
    {
        var rows = new List<string[]> { new[] { "DOMAIN", "STATE", "NOT AFTER (UTC)", "DAYS LEFT", "RENEW AT (UTC)", "NEXT RUN" } };
        foreach (var plan in plans)
        {
            rows.Add(
            [
                plan.Names.Count > 1 ? $"{plan.Name} (+{plan.Names.Count - 1})" : plan.Name,
                plan.Failures > 0 ? $"{DomainPlan.Describe(plan.Stage)}, {FailureBackoff.Attempts(plan.Failures)}" : DomainPlan.Describe(plan.Stage),
                plan.NotAfter?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "-",
                plan.NotAfter is { } notAfter ? ((notAfter - now).TotalDays).ToString("0.0", CultureInfo.InvariantCulture) : "-",
                plan.RenewAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "-",
                plan.Action,
            ]);
        }
        var widths = Enumerable.Range(0, rows[0].Length - 1).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            var line = new StringBuilder();
            for (var c = 0; c < widths.Length; c++) line.Append(row[c].PadRight(widths[c] + 2));
            line.Append(row[^1]);
            text.Append(colour && r > 0 ? $"\u001b[{Colour(plans[r - 1])}m{line}\u001b[0m" : line.ToString()).Append('\n');
        }
        foreach (var plan in plans)
            if (plan.LastError is { } error)
                text.Append($"last error of {plan.Name}: {ServerText.Line(DomainState.WithoutName(plan.Name, error))}\n");
        if (run is { Failing: true }) text.Append(run.Describe(now)).Append('\n');
        foreach (var plan in plans)
            if (plan.DeployPending)
                text.Append($"deploy pending for {plan.Name}: the deploy program has not succeeded for the certificate on disk; every run tries again\n");
        foreach (var plan in plans)
            if (plan.Verify.Count > 0)
                text.Append($"served by {string.Join(", ", plan.Verify)} for {plan.Name}: " +
                            $"{plan.ServedOk switch { true => "yes, at the last check", false => "NO, at the last check", null => "not checked yet" }}\n");
        return text.ToString();
    }

    private static int Colour(DomainPlan plan) =>
        plan.BackoffUntil is not null || plan.Failures > 0 || plan.ServedOk == false || plan.Error is not null ? 31 : plan.Current && !plan.DeployPending ? 32 : 33;

    public static string DryRun(IReadOnlyList<DomainPlan> plans, IReadOnlyList<string> accountActions, DateTimeOffset now,
        RunFailureStatus? run = null) =>
        (run is { Failing: true } ? run.Describe(now) + "\n" : "") +
        string.Concat(accountActions.Select(a => $"would {a}\n")) +
        string.Concat(plans.Select(p => p.Error is { } error ? $"ERROR {p.Name}: would fail before ordering: {error}\n" : $"{p.Name}: would {p.Action}\n"));

    /// <summary>One profile's `--status`: its domains' plans, notify and run-level failure; or why it cannot be read.</summary>
    public sealed record ProfileStatus(string Directory, IReadOnlyList<DomainPlan> Plans, NotifyState? Notify, RunFailureStatus? Run, string? Error = null);

    /// <summary>`--status --json DIR`: {"domains": [...], "notify": ..., "run": ...}.</summary>
    public static string Json(ProfileStatus profile, DateTimeOffset now) => Document(json => WriteProfile(json, profile, now));

    /// <summary>`--status --json DIR...`: one document, {"profiles": [...]}, each element one profile's document as
    /// above plus its "directory"; a profile that cannot be read has only "directory" and "error".</summary>
    public static string Json(IReadOnlyList<ProfileStatus> profiles, DateTimeOffset now) => Document(json =>
    {
        json.WriteStartArray("profiles");
        foreach (var profile in profiles)
        {
            json.WriteStartObject();
            json.WriteString("directory", profile.Directory);
            if (profile.Error is { } error) json.WriteString("error", error);
            else WriteProfile(json, profile, now);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    });

    private static string Document(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteProfile(Utf8JsonWriter json, ProfileStatus profile, DateTimeOffset now)
    {
        json.WriteStartArray("domains");
        foreach (var plan in profile.Plans)
        {
            json.WriteStartObject();
            json.WriteString("name", plan.Name);
            json.WriteStartArray("names");
            foreach (var name in plan.Names) json.WriteStringValue(name);
            json.WriteEndArray();
            json.WriteString("state", DomainPlan.Describe(plan.Stage));
            WriteOptional(json, "orderUrl", plan.OrderUrl);
            WriteOptional(json, "certificateUrl", plan.CertificateUrl);
            WriteOptional(json, "notAfter", plan.NotAfter);
            WriteOptional(json, "renewAt", plan.RenewAt);
            WriteOptional(json, "renewalReason", plan.RenewalReason);
            json.WriteNumber("failures", plan.Failures);
            WriteOptional(json, "lastError", plan.LastError);
            WriteOptional(json, "backoffUntil", plan.BackoffUntil);
            json.WriteBoolean("deployPending", plan.DeployPending);
            if (plan.ServedOk is { } served) json.WriteBoolean("servedOk", served);
            else json.WriteNull("servedOk");
            json.WriteString("nextRun", plan.Action);
            json.WriteStartArray("attention");
            foreach (var reason in plan.Attention(now)) json.WriteStringValue(reason);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        if (profile.Notify is not null) NotifyReport.WriteJson(json, profile.Notify);
        if (profile.Run is { } run)
        {
            json.WriteStartObject("run");
            json.WriteNumber("failures", run.Failures);
            WriteOptional(json, "lastError", run.LastError);
            WriteOptional(json, "backoffUntil", run.BackoffUntil);
            json.WriteEndObject();
        }
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name);
        else json.WriteString(name, value);
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, DateTimeOffset? value)
    {
        if (value is { } time) json.WriteString(name, DomainState.FormatTime(time));
        else json.WriteNull(name);
    }
}
