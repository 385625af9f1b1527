namespace Concorde.Shaman;

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

    private static string Describe(FailureSet failing)
    {
        var parts = new List<string>(failing.Domains);
        if (failing.RunError is { } error) parts.Add($"the run ({error})");
        return parts.Count == 0 ? "nothing" : string.Join(' ', parts);
    }
}
