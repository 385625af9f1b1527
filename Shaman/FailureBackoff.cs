namespace Concorde.Shaman;

/// <summary>After a domain fails, later runs leave it alone for a while, so a broken domain in a cron job
/// cannot hammer the CA: one hour after the first failure, doubling with each further one, at most a day.</summary>
public static class FailureBackoff
{
    public static readonly TimeSpan First = TimeSpan.FromHours(1);
    public static readonly TimeSpan Longest = TimeSpan.FromHours(24);

    public static TimeSpan Delay(int failures)
    {
        if (failures <= 0) return TimeSpan.Zero;
        // 2^5 hours already exceeds the cap; stop doubling before the arithmetic could overflow.
        var hours = Math.Pow(2, Math.Min(failures - 1, 5));
        var delay = TimeSpan.FromHours(hours);
        return delay > Longest ? Longest : delay;
    }

    public static DateTimeOffset NextAttempt(int failures, DateTimeOffset lastFailure) => lastFailure + Delay(failures);

    /// <summary>"1 failed attempt", "2 failed attempts".</summary>
    public static string Attempts(int failures) => failures == 1 ? "1 failed attempt" : $"{failures} failed attempts";
}
