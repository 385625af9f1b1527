using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>When to renew, the pure part: the CA's window (ARI) decides over `renewal` days and the lifetime rule; an
/// expired certificate is renewed whatever the window says; the moment in the window is uniform and kept while the
/// window stays the same.</summary>
public sealed class RenewalScheduleTests
{
    private static readonly DateTimeOffset Issued = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Expires = Issued.AddDays(90);

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
        Assert.Contains("renewal window 2030-02-10 00:00 – 2030-02-20 00:00 UTC (ARI)", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(100000.0)]
    [InlineData(null)]
    public void Ari_window_in_the_future_overrides_renewal_days_and_the_lifetime_rule(double? renewalDays)
    {
        var now = Issued.AddDays(80); // past the lifetime rule (60 days), inside any `renewal` window
        var ari = new AriSchedule(Issued.AddDays(85), Issued.AddDays(86), Issued.AddDays(85.5));

        var decision = RenewalDecision.Decide(Issued, Expires, now, renewalDays, ari);

        Assert.False(decision.Renew);
        Assert.Equal(ari.RenewAt, decision.RenewAt);
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
