namespace Concorde.Shaman;

/// <summary>The profile's lock as a run that could not take it found it: when a run last took it, and the process
/// holding it with that process's user, when /proc shows them.</summary>
public sealed record LockHolder(DateTimeOffset LastTaken, int? ProcessId, uint? User);

public enum LockVerdict
{
    /// <summary>Another run is working: exit 75, the next run catches up.</summary>
    Busy,
    /// <summary>A process of a user that is neither root nor the one running shaman holds it: never a shaman run.</summary>
    HeldByAnotherUser,
    /// <summary>No run has taken it for longer than any run may hold it: renewals have stopped.</summary>
    HeldTooLong,
}

/// <summary>Whether a lock that another process holds is a run at work or something that stops renewals.</summary>
public static class LockDecision
{
    /// <summary>Beyond a run's own bounds: the notify program and the metrics file after the last domain.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromHours(1);

    public static LockVerdict Decide(LockHolder holder, uint self, DateTimeOffset now, TimeSpan longestRun)
    {
        if (holder.User is { } user && user != 0 && user != self) return LockVerdict.HeldByAnotherUser;
        return now - holder.LastTaken > longestRun + Margin ? LockVerdict.HeldTooLong : LockVerdict.Busy;
    }

    /// <summary>The longest a run of this profile holds the lock: no domain starts after "runTimeout", and each stops
    /// at its "domainTimeout".</summary>
    public static TimeSpan LongestRun(ProfileSettings settings) =>
        settings.RunTimeout + settings.Domains.Select(domain => domain.Effective.Timeout).DefaultIfEmpty(settings.DomainTimeout).Max();
}
