using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>The notify rule: news (a new failure first, else a recovery) is told at once, nothing else is told, and
/// what keeps failing is told again once a day.</summary>
public sealed class NotifyDecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset AnHourAgo = Now.AddHours(-1);

    private static FailureSet Failing(params string[] domains) => FailureSet.Of(domains, null);

    [Fact]
    public void Nothing_failing_and_nothing_notified_is_silent() =>
        Assert.Null(NotifyDecision.Decide(FailureSet.None, null, FailureSet.None, Now));

    [Fact]
    public void A_new_failing_domain_is_a_failure_naming_every_failing_domain()
    {
        var notification = NotifyDecision.Decide(Failing("a.example"), AnHourAgo, Failing("b.example", "a.example"), Now);

        Assert.NotNull(notification);
        Assert.Equal("failure", notification.EventName);
        Assert.Equal(["a.example", "b.example"], notification.Failing.Domains);
        Assert.Empty(notification.Recovered);
    }

    [Fact]
    public void A_failure_wins_over_a_recovery_in_the_same_run_and_names_both()
    {
        var notification = NotifyDecision.Decide(Failing("a.example"), AnHourAgo, Failing("b.example"), Now);

        Assert.Equal(NotifyEvent.Failure, notification?.Event);
        Assert.Equal(["a.example"], notification?.Recovered);
    }

    [Fact]
    public void A_domain_no_longer_failing_is_a_recovery()
    {
        var notification = NotifyDecision.Decide(Failing("a.example", "b.example"), AnHourAgo, Failing("b.example"), Now);

        Assert.Equal(NotifyEvent.Recovery, notification?.Event);
        Assert.Equal(["a.example"], notification?.Recovered);
        Assert.Equal(["b.example"], notification?.Failing.Domains);
    }

    [Fact]
    public void The_same_failures_are_told_again_only_after_a_day()
    {
        Assert.Null(NotifyDecision.Decide(Failing("a.example"), Now.AddHours(-23), Failing("a.example"), Now));

        var reminder = NotifyDecision.Decide(Failing("a.example"), Now.AddDays(-1), Failing("a.example"), Now);

        Assert.Equal(NotifyEvent.Reminder, reminder?.Event);
        Assert.Equal(["a.example"], reminder?.Failing.Domains);
    }

    [Fact]
    public void A_run_level_failure_counts_by_its_presence_not_its_wording()
    {
        var failure = NotifyDecision.Decide(FailureSet.None, null, FailureSet.Of([], "the CA is unreachable"), Now);
        Assert.Equal(NotifyEvent.Failure, failure?.Event);

        Assert.Null(NotifyDecision.Decide(FailureSet.Of([], "the CA is unreachable"), AnHourAgo,
            FailureSet.Of([], "the CA answered 503"), Now));

        var recovery = NotifyDecision.Decide(FailureSet.Of([], "the CA is unreachable"), AnHourAgo, FailureSet.None, Now);
        Assert.Equal(NotifyEvent.Recovery, recovery?.Event);
        Assert.Empty(recovery?.Recovered ?? ["not decided"]);
    }
}
