namespace Concorde.Shaman;

/// <summary>Whether a certificate should be renewed now, and why. Pure: every input is a parameter.
/// <see cref="Warning"/> says when the `renewal` setting behind the decision defeats itself.</summary>
public sealed record RenewalDecision(bool Renew, DateTimeOffset RenewAt, string Reason, string? Warning = null)
{
    /// <summary>With <paramref name="renewalDays"/> (the original's `renewal`), renew when fewer days remain.
    /// Without, renew when a third of the lifetime remains, half for lifetimes under ten days, as Let's
    /// Encrypt recommends for short-lived certificates.
    /// With an ARI schedule (RFC 9773) the CA's suggested window decides, at the moment chosen inside it — but never
    /// later than `renewal` days before expiry, and a window that reaches past expiry (which no honest CA suggests)
    /// is held to the lifetime rule: whatever the CA says, the certificate is renewed before it lapses.</summary>
    public static RenewalDecision Decide(DateTimeOffset notBefore, DateTimeOffset notAfter, DateTimeOffset now, double? renewalDays,
        AriSchedule? ari = null)
    {
        var warning = RenewalLongerThanLifetime(notAfter - notBefore, renewalDays);
        if (notAfter <= now)
            return new RenewalDecision(true, notAfter, $"expired on {notAfter:yyyy-MM-dd HH:mm} UTC", warning);
        var (renewAt, rule) = renewalDays is { } days
            ? (DaysBefore(notAfter, days), $"{days:0.##} days before expiry (renewal)")
            : LifetimeRule(notBefore, notAfter);
        if (ari is not null)
        {
            var window = $"the CA's renewal window {ari.WindowStart:yyyy-MM-dd HH:mm} – {ari.WindowEnd:yyyy-MM-dd HH:mm} UTC (ARI)";
            // `renewal` days, or for a window reaching past expiry the lifetime rule, bound how late the moment may be.
            var bounded = renewalDays is not null || ari.WindowEnd > notAfter;
            if (!bounded || ari.RenewAt <= renewAt)
                (renewAt, rule) = (ari.RenewAt, $"the moment chosen in {window}");
            else
                rule = renewalDays is null ? $"{rule}, as {window} reaches past expiry" : $"{rule}, before the moment chosen in {window}";
        }
        var left = notAfter - now;
        return now >= renewAt
            ? new RenewalDecision(true, renewAt, $"expires in {Describe(left)} ({notAfter:yyyy-MM-dd HH:mm} UTC); renewing at {rule}", warning)
            : new RenewalDecision(false, renewAt, $"valid for {Describe(left)} ({notAfter:yyyy-MM-dd HH:mm} UTC); renewal due {renewAt:yyyy-MM-dd HH:mm} UTC at {rule}", warning);
    }

    private static DateTimeOffset DaysBefore(DateTimeOffset notAfter, double days)
    {
        // A window reaching back before year 1 (or beyond TimeSpan) simply means "renew now".
        var sinceYearOne = notAfter - DateTimeOffset.MinValue;
        return days >= sinceYearOne.TotalDays ? DateTimeOffset.MinValue : notAfter - TimeSpan.FromDays(days);
    }

    private static (DateTimeOffset RenewAt, string Rule) LifetimeRule(DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var lifetime = notAfter - notBefore;
        var fraction = lifetime < TimeSpan.FromDays(10) ? 0.5 : 1.0 / 3;
        return (notAfter - lifetime * fraction, fraction == 0.5 ? "half of the lifetime remaining" : "a third of the lifetime remaining");
    }

    /// <summary>A `renewal` window at least as long as the certificate's lifetime is due as soon as the certificate is
    /// issued, so every run orders a new one (a CA's rate limits stop that sooner or later, by failing the domain).</summary>
    private static string? RenewalLongerThanLifetime(TimeSpan lifetime, double? renewalDays) =>
        renewalDays is { } days && days >= lifetime.TotalDays
            ? $"\"renewal\" ({days:0.##} days) is not shorter than the certificate's lifetime ({lifetime.TotalDays:0.##} days), so " +
              "every run orders a new certificate; set fewer days, or remove \"renewal\" to renew when a third of the lifetime remains"
            : null;

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 2 ? $"{span.TotalDays:0} days" : span.TotalHours >= 2 ? $"{span.TotalHours:0} hours" : $"{Math.Max(0, span.TotalMinutes):0} minutes";
}
