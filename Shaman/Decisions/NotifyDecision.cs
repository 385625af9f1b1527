namespace Concorde.Shaman;

/// <summary>What is failing, by reason: the domains that fail to get a certificate, the domains whose certificate on
/// disk is not in service (deploy program or `verify` failed), each sorted, and the run-level error, if the run as a
/// whole failed. A domain may fail both ways.</summary>
public sealed record FailureSet(IReadOnlyList<string> Domains, string? RunError, IReadOnlyList<string> DeployDomains)
{
    public static readonly FailureSet None = new([], null, []);

    public bool IsEmpty => Domains.Count == 0 && DeployDomains.Count == 0 && RunError is null;

    /// <summary>Every failing domain, whatever the reason.</summary>
    public IReadOnlyList<string> AllDomains => Sorted(Domains.Concat(DeployDomains));

    public static FailureSet Of(IEnumerable<string> domains, string? runError, IEnumerable<string>? deployDomains = null) =>
        new(Sorted(domains), runError, Sorted(deployDomains ?? []));

    private static List<string> Sorted(IEnumerable<string> domains) =>
        domains.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
}

public enum NotifyEvent
{
    Failure,
    Recovery,
    Reminder,
}

/// <summary>A notification to send: the event, every domain failing now and the domains that recovered since the
/// last notification.</summary>
public sealed record Notification(NotifyEvent Event, FailureSet Failing, IReadOnlyList<string> Recovered)
{
    public string EventName => Event.ToString().ToLowerInvariant();
}

/// <summary>The one rule for whether to notify: when what fails changed since the last notification (a new failure
/// first, else a recovery), or as a reminder once a day while anything stays failing. A domain failing for a new
/// reason (its order failed, then its deploy) is a new failure: the first notification's advice no longer fits. The
/// run-level error counts as failing or not; its text changing alone (the CA's wording, a time) is not news.</summary>
public static class NotifyDecision
{
    public static readonly TimeSpan ReminderInterval = TimeSpan.FromDays(1);

    public static Notification? Decide(FailureSet notified, DateTimeOffset? notifiedAt, FailureSet failing, DateTimeOffset now)
    {
        var recovered = notified.AllDomains.Except(failing.AllDomains, StringComparer.Ordinal).ToList();
        var newlyFailed = failing.Domains.Except(notified.Domains, StringComparer.Ordinal).Any()
                          || failing.DeployDomains.Except(notified.DeployDomains, StringComparer.Ordinal).Any()
                          || (failing.RunError is not null && notified.RunError is null);
        if (newlyFailed) return new Notification(NotifyEvent.Failure, failing, recovered);
        if (recovered.Count > 0 || (notified.RunError is not null && failing.RunError is null))
            return new Notification(NotifyEvent.Recovery, failing, recovered);
        if (!failing.IsEmpty && (notifiedAt is not { } last || now - last >= ReminderInterval))
            return new Notification(NotifyEvent.Reminder, failing, []);
        return null;
    }

    /// <summary>When the next reminder is due while <paramref name="notified"/> stays failing; null when nothing is.</summary>
    public static DateTimeOffset? ReminderDue(FailureSet notified, DateTimeOffset? notifiedAt) =>
        notified.IsEmpty ? null : notifiedAt + ReminderInterval;
}
