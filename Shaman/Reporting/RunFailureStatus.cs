namespace Concorde.Shaman;

/// <summary>The profile-level failure record (<see cref="ProfileState.RunFailures"/>) as `--status` and `--dry-run`
/// show it: a failure that was not a domain's, and until when runs skip asking the CA.</summary>
public sealed record RunFailureStatus(int Failures, string? LastError, DateTimeOffset? BackoffUntil)
{
    public static RunFailureStatus Of(ProfileState state) => Of(state.RunFailure);

    private static RunFailureStatus Of(FailureRecord run) => new(run.Failures, run.LastError, run.BackoffUntil);

    public bool Failing => Failures > 0;

    /// <summary>One line for people: what failed and when the next run will try.</summary>
    public string Describe(DateTimeOffset now) =>
        $"the last run failed ({FailureBackoff.Attempts(Failures)}): {LastError ?? "not recorded"}; " +
        (BackoffUntil is { } until && until > now
            ? $"runs skip until {until:yyyy-MM-dd HH:mm} UTC, or try now with --force"
            : "the next run tries again");
}
