using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>When a certificate is renewed: `renewal` days before expiry, else with a third (half, for lifetimes
/// under ten days) of the lifetime left, and always once expired.</summary>
public sealed class RenewalDecisionTests
{
    private static readonly DateTimeOffset Issued = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

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
    [InlineData(100000.0, true)]   // the CA's window decides; `renewal` plays no part
    public void Renewal_days_shorter_than_the_lifetime_or_unused_warn_of_nothing(double? renewalDays, bool ari)
    {
        var schedule = ari ? new AriSchedule(Issued.AddDays(60), Issued.AddDays(62), Issued.AddDays(61)) : null;

        var decision = RenewalDecision.Decide(Issued, Issued.AddDays(90), Issued.AddDays(10), renewalDays, schedule);

        Assert.Null(decision.Warning);
    }
}
