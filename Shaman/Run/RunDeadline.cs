using System.Diagnostics;

namespace Concorde.Shaman;

/// <summary>The run's overall time limit ("runTimeout"): once it has passed, no further domain is started. Each domain
/// is bounded by its own <see cref="DomainDeadline"/>, but a CA that stalls every one of them would still hold the
/// run lock for hours in a large profile. A domain already started finishes (or stops at its own deadline).</summary>
public sealed class RunDeadline(TimeSpan timeout)
{
    // Real time, like DomainDeadline: what is bounded is how long this process holds the lock.
    private readonly long _started = Stopwatch.GetTimestamp();

    public bool HasExpired => Stopwatch.GetElapsedTime(_started) >= timeout;

    /// <summary>The run's error: which domains were not started. They are not charged a backoff: the next run tries them.</summary>
    public string Explain(IReadOnlyList<string> notStarted, int domains) =>
        $"the run reached its \"runTimeout\" of {timeout.TotalSeconds:0.#} s: {notStarted.Count} of {domains} domains not started " +
        $"({string.Join(", ", notStarted)}); the next run tries them";
}
