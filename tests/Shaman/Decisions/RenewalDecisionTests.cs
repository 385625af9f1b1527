using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>When a certificate is renewed: at the moment chosen in the CA's window (ARI) when there is one, else
/// `renewal` days before expiry, else with a third (half, for lifetimes under ten days) of the lifetime left, and always
/// once expired; the moment in the window is uniform and kept while the window stays the same.</summary>
public sealed class RenewalDecisionTests
{
    private static readonly DateTimeOffset Issued = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Expires = Issued.AddDays(90);

    [Theory]
    [InlineData(90, 30, 59.9, false)]
    [InlineData(90, 30, 60, true)]
    [InlineData(90, 10, 79.9, false)]
    [InlineData(90, 10, 80.1, true)]
    [InlineData(90, 0, 89.9, false)]
    [InlineData(90, 100000, 0, true)]
    [InlineData(90, 0.5, 89.4, false)]
    [InlineData(90, 0.5, 89.6, true)]
    public void Renewal_days_set_renews_when_fewer_days_remain(double lifetimeDays, double renewalDays, double ageDays, bool renew)
    {
        var decision = RenewalDecision.Decide(Issued, Issued.AddDays(lifetimeDays), Issued.AddDays(ageDays), renewalDays);

        Assert.Equal(renew, decision.Renew);
        Assert.Equal(Issued.AddDays(lifetimeDays - renewalDays), decision.RenewAt);
    }

    [Theory]
    [InlineData(90, 60)]   // a third of 90 days left
    [InlineData(10, 10.0 * 2 / 3)]
    [InlineData(9.9, 4.95)] // under ten days: half
    [InlineData(6, 3)]
    [InlineData(1, 0.5)]
    public void Renewal_days_unset_renews_with_a_third_or_for_short_lifetimes_half_left(double lifetimeDays, double renewAtDays)
    {
        var notAfter = Issued.AddDays(lifetimeDays);
        var renewAt = Issued.AddDays(renewAtDays);

        Assert.False(RenewalDecision.Decide(Issued, notAfter, renewAt.AddMinutes(-1), null).Renew);
        var due = RenewalDecision.Decide(Issued, notAfter, renewAt.AddMinutes(1), null);
        Assert.True(due.Renew);
        Assert.True(Math.Abs((due.RenewAt - renewAt).TotalSeconds) < 1, $"renew at {due.RenewAt}, expected {renewAt}");
        Assert.Contains(lifetimeDays < 10 ? "half" : "third", due.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0.0)]
    [InlineData(30.0)]
    public void Expired_certificate_is_always_renewed(double? renewalDays)
    {
        var notAfter = Issued.AddDays(90);

        var decision = RenewalDecision.Decide(Issued, notAfter, notAfter.AddSeconds(1), renewalDays);

        Assert.True(decision.Renew);
        Assert.StartsWith("expired on 2025-05-30", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Reason_says_how_long_the_certificate_is_valid_and_when_renewal_is_due()
    {
        var decision = RenewalDecision.Decide(Issued, Issued.AddDays(90), Issued.AddDays(10), 30);

        Assert.False(decision.Renew);
        Assert.Equal("valid for 80 days (2025-05-30 12:00 UTC); renewal due 2025-04-30 12:00 UTC at 30 days before expiry (renewal)", decision.Reason);
    }

    [Theory]
    [InlineData(1e6)]      // reaches before year 1
    [InlineData(1e9)]      // beyond TimeSpan's range
    [InlineData(double.MaxValue)]
    public void Renewal_window_beyond_any_date_renews_instead_of_failing(double renewalDays)
    {
        var decision = RenewalDecision.Decide(Issued, Issued.AddDays(90), Issued.AddDays(1), renewalDays);

        Assert.True(decision.Renew);
    }

    [Theory]
    [InlineData(90, 90, 1)]
    [InlineData(90, 100000, 1)]
    [InlineData(1826.25, 2000, 100)]   // Pebble's five-year certificates
    [InlineData(90, 120, 91)]          // expired: renewed anyway, but the setting is still wrong
    public void Renewal_days_not_shorter_than_the_lifetime_warn_that_every_run_renews(double lifetimeDays, double renewalDays, double ageDays)
    {
        var decision = RenewalDecision.Decide(Issued, Issued.AddDays(lifetimeDays), Issued.AddDays(ageDays), renewalDays);

        Assert.True(decision.Renew);
        Assert.Equal($"\"renewal\" ({renewalDays:0.##} days) is not shorter than the certificate's lifetime ({lifetimeDays:0.##} days), " +
                     "so every run orders a new certificate; set fewer days, or remove \"renewal\" to renew when a third of the lifetime remains",
            decision.Warning);
    }

    [Theory]
    [InlineData(89.9, false)]
    [InlineData(30.0, false)]
    [InlineData(null, false)]
    [InlineData(30.0, true)]       // the CA's window decides; `renewal` only bounds it
    public void Renewal_days_shorter_than_the_lifetime_or_unused_warn_of_nothing(double? renewalDays, bool ari)
    {
        var schedule = ari ? new AriSchedule(Issued.AddDays(60), Issued.AddDays(62), Issued.AddDays(61)) : null;

        var decision = RenewalDecision.Decide(Issued, Issued.AddDays(90), Issued.AddDays(10), renewalDays, schedule);

        Assert.Null(decision.Warning);
    }

    [Theory]
    [InlineData(-1, true)]    // the chosen moment has passed
    [InlineData(0, true)]     // now is the moment: renew (now ≥ renewAt)
    [InlineData(1, false)]    // a minute before it
    public void Ari_moment_decides_whether_now_is_the_time(int minutesAfterMoment, bool renew)
    {
        var ari = new AriSchedule(Issued.AddDays(40), Issued.AddDays(50), Issued.AddDays(45));

        var decision = RenewalDecision.Decide(Issued, Expires, ari.RenewAt.AddMinutes(-minutesAfterMoment), null, ari);

        Assert.Equal(renew, decision.Renew);
        Assert.Equal(ari.RenewAt, decision.RenewAt);
        Assert.Contains("renewal window 2025-04-10 12:00 – 2025-04-20 12:00 UTC (ARI)", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(null)]
    public void Ari_window_in_the_future_overrides_the_lifetime_rule_and_renewal_days_that_allow_it(double? renewalDays)
    {
        var now = Issued.AddDays(80); // past the lifetime rule (60 days)
        var ari = new AriSchedule(Issued.AddDays(85), Issued.AddDays(86), Issued.AddDays(85.5));

        var decision = RenewalDecision.Decide(Issued, Expires, now, renewalDays, ari);

        Assert.False(decision.Renew);
        Assert.Equal(ari.RenewAt, decision.RenewAt);
    }

    [Fact]
    public void Renewal_days_bound_how_late_the_ari_moment_may_be()
    {
        var ari = new AriSchedule(Issued.AddDays(85), Issued.AddDays(86), Issued.AddDays(85.5));

        var decision = RenewalDecision.Decide(Issued, Expires, Issued.AddDays(80), 30, ari);

        Assert.True(decision.Renew);
        Assert.Equal(Expires.AddDays(-30), decision.RenewAt);
        Assert.Contains("30 days before expiry (renewal), before the moment chosen in the CA's renewal window", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Ari_window_reaching_past_expiry_is_held_to_the_lifetime_rule()
    {
        var ari = new AriSchedule(Expires.AddDays(-1), Expires.AddDays(30), Expires.AddDays(10));

        var kept = RenewalDecision.Decide(Issued, Expires, Issued.AddDays(59), null, ari);
        var due = RenewalDecision.Decide(Issued, Expires, Issued.AddDays(61), null, ari);

        Assert.False(kept.Renew);
        Assert.True(due.Renew);
        Assert.Equal(Issued.AddDays(60), due.RenewAt);
        Assert.Contains("a third of the lifetime remaining, as the CA's renewal window", due.Reason, StringComparison.Ordinal);
        Assert.Contains("reaches past expiry", due.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Ari_window_in_the_past_renews_a_certificate_the_lifetime_rule_would_keep()
    {
        var now = Issued.AddDays(5);
        var ari = new AriSchedule(Issued.AddDays(3), Issued.AddDays(4), Issued.AddDays(3.5));

        Assert.False(RenewalDecision.Decide(Issued, Expires, now, null).Renew);
        Assert.True(RenewalDecision.Decide(Issued, Expires, now, null, ari).Renew);
    }

    [Fact]
    public void Expired_certificate_is_renewed_even_when_the_window_lies_ahead()
    {
        var ari = new AriSchedule(Expires.AddDays(1), Expires.AddDays(2), Expires.AddDays(1.5));

        var decision = RenewalDecision.Decide(Issued, Expires, Expires.AddSeconds(1), null, ari);

        Assert.True(decision.Renew);
        Assert.StartsWith("expired on", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(6.0, 3.0)]       // Let's Encrypt's 6-day certificates: half
    [InlineData(45.0, 30.0)]     // 45-day certificates: a third left
    [InlineData(0.25, 0.125)]    // six hours
    public void Without_ari_short_and_medium_lifetimes_follow_the_fraction_rule(double lifetimeDays, double renewAtDays)
    {
        var notAfter = Issued.AddDays(lifetimeDays);

        var decision = RenewalDecision.Decide(Issued, notAfter, Issued, null);

        Assert.False(decision.Renew);
        Assert.True(Math.Abs((decision.RenewAt - Issued.AddDays(renewAtDays)).TotalSeconds) < 1, $"{decision.RenewAt}");
        Assert.True(RenewalDecision.Decide(Issued, notAfter, Issued.AddDays(renewAtDays).AddSeconds(1), null).Renew);
    }

    [Fact]
    public void Moment_is_uniform_inside_the_window_and_spreads_over_it()
    {
        var start = Issued.AddDays(60);
        var end = start.AddDays(2);
        var random = new Random(42);

        var moments = Enumerable.Range(0, 2000).Select(_ => AriSchedule.Choose(start, end, null, random).RenewAt).ToList();

        Assert.All(moments, m => Assert.InRange(m, start, end));
        // Uniform: each quarter of the window gets about a quarter of the moments.
        var quarters = moments.GroupBy(m => (int)((m - start) / (end - start) * 4)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal([0, 1, 2, 3], quarters.Keys.Order());
        Assert.All(quarters.Values, count => Assert.InRange(count, 400, 600));
    }

    [Fact]
    public void Same_window_keeps_the_moment_already_chosen_and_a_moved_window_gets_a_new_one()
    {
        var start = Issued.AddDays(60);
        var end = start.AddDays(2);
        var previous = new AriSchedule(start, end, start.AddHours(5));

        Assert.Same(previous, AriSchedule.Choose(start, end, previous, new Random(1)));
        var moved = AriSchedule.Choose(start, end.AddHours(1), previous, new Random(1));
        Assert.NotEqual(previous.RenewAt, moved.RenewAt);
        Assert.Equal(end.AddHours(1), moved.WindowEnd);
    }

    [Fact]
    public void Window_of_one_instant_gives_that_instant()
    {
        var at = Issued.AddDays(60);

        Assert.Equal(at, AriSchedule.Choose(at, at, null, new Random(5)).RenewAt);
    }
}
