using System.Text.Json;

namespace Concorde.Shaman;

/// <summary>The profile's notify program and what it last told (<see cref="ProfileState.Notified"/>).</summary>
public sealed record NotifyState(string Program, FailureSet Notified, DateTimeOffset? NotifiedAt)
{
    public static NotifyState? Of(string? program, ProfileState state) =>
        program is null ? null : new NotifyState(program, state.Notified, state.NotifiedAt);
}

/// <summary>The notify lines of --status and --dry-run: what was last notified, and what a run ending as shaman.json
/// records it now would notify (the same <see cref="NotifyDecision"/> the run asks).</summary>
public static class NotifyReport
{
    public static string Status(string? program, ProfileState state)
    {
        if (program is null) return "";
        var notified = state.Notified;
        if (notified.IsEmpty) return $"notify: {program}; no failure notified\n";
        return $"notify: {program}; notified at {state.NotifiedAt:yyyy-MM-dd HH:mm} UTC: failing {Describe(notified)}; " +
               $"next reminder {NotifyDecision.ReminderDue(notified, state.NotifiedAt):yyyy-MM-dd HH:mm} UTC while it lasts\n";
    }

    public static string DryRun(string? program, ProfileState state, FailureSet failing, DateTimeOffset now)
    {
        if (program is null) return "";
        if (NotifyDecision.Decide(state.Notified, state.NotifiedAt, failing, now) is not { } notification)
            return $"would notify nothing with {program} unless failures begin or end\n";
        var recovered = notification.Recovered.Count > 0 ? $", recovered {string.Join(' ', notification.Recovered)}" : "";
        return $"would notify a {notification.EventName} with {program} if the run ends as shaman.json records it now " +
               $"(failing {Describe(notification.Failing)}{recovered})\n";
    }

    /// <summary>The "notify" member of --status --json.</summary>
    public static void WriteJson(Utf8JsonWriter json, NotifyState notify)
    {
        json.WriteStartObject("notify");
        json.WriteString("program", notify.Program);
        json.WriteStartArray("notifiedFailedDomains");
        foreach (var domain in notify.Notified.Domains) json.WriteStringValue(domain);
        json.WriteEndArray();
        json.WriteStartArray("notifiedDeployFailedDomains");
        foreach (var domain in notify.Notified.DeployDomains) json.WriteStringValue(domain);
        json.WriteEndArray();
        if (notify.Notified.RunError is { } error) json.WriteString("notifiedRunError", error);
        else json.WriteNull("notifiedRunError");
        WriteTime(json, "notifiedAt", notify.NotifiedAt);
        WriteTime(json, "nextReminder", NotifyDecision.ReminderDue(notify.Notified, notify.NotifiedAt));
        json.WriteEndObject();
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? time)
    {
        if (time is { } value) json.WriteString(name, DomainState.FormatTime(value));
        else json.WriteNull(name);
    }

    private static string Describe(FailureSet failing)
    {
        var parts = failing.AllDomains.Select(d => (failing.Domains.Contains(d), failing.DeployDomains.Contains(d)) switch
        {
            (true, true) => $"{d} (order and deploy)",
            (false, true) => $"{d} (deploy)",
            _ => d,
        }).ToList();
        if (failing.RunError is { } error) parts.Add($"the run ({error})");
        return parts.Count == 0 ? "nothing" : string.Join(' ', parts);
    }
}
