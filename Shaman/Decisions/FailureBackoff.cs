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

    /// <summary>How long a CA's Retry-After can hold a domain back: a rate limit lasts hours, sometimes days; a CA
    /// asking for more is not believed, so a hostile or broken one cannot stop renewal.</summary>
    public static readonly TimeSpan LongestCaWait = TimeSpan.FromDays(7);

    /// <summary>The backoff step after <paramref name="failures"/>, or the moment the CA asked to wait for (a 429 or
    /// 503 with Retry-After, RFC 8555 §6.6) when that is later.</summary>
    public static DateTimeOffset NextAttempt(int failures, DateTimeOffset lastFailure, DateTimeOffset? caRetryAt = null)
    {
        var ours = lastFailure + Delay(failures);
        if (caRetryAt is not { } asked) return ours;
        var believed = asked < lastFailure + LongestCaWait ? asked : lastFailure + LongestCaWait;
        return believed > ours ? believed : ours;
    }

    /// <summary>"1 failed attempt", "2 failed attempts".</summary>
    public static string Attempts(int failures) => failures == 1 ? "1 failed attempt" : $"{failures} failed attempts";
}
