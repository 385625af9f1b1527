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

    private static FailureSet Deploying(params string[] domains) => FailureSet.Of([], null, domains);

    [Fact]
    public void A_domain_whose_order_failure_became_a_deploy_failure_is_a_new_failure()
    {
        var notification = NotifyDecision.Decide(Failing("a.example"), AnHourAgo, Deploying("a.example"), Now);

        Assert.Equal(NotifyEvent.Failure, notification?.Event);
        Assert.Equal(["a.example"], notification?.Failing.DeployDomains);
        Assert.Equal(["a.example"], notification?.Failing.AllDomains);
        Assert.Empty(notification?.Recovered ?? ["not decided"]);
    }

    [Fact]
    public void A_deploy_failure_whose_order_then_failed_too_is_a_new_failure()
    {
        var both = FailureSet.Of(["a.example"], null, ["a.example"]);

        Assert.Equal(NotifyEvent.Failure, NotifyDecision.Decide(Deploying("a.example"), AnHourAgo, both, Now)?.Event);
        Assert.Null(NotifyDecision.Decide(both, AnHourAgo, both, Now));
        // Half of it ended: nothing new failed and nothing recovered whole, so the daily reminder tells it.
        Assert.Null(NotifyDecision.Decide(both, AnHourAgo, Failing("a.example"), Now));
    }

    [Fact]
    public void A_deploy_failure_that_ends_is_a_recovery()
    {
        var recovery = NotifyDecision.Decide(Deploying("a.example"), AnHourAgo, FailureSet.None, Now);

        Assert.Equal(NotifyEvent.Recovery, recovery?.Event);
        Assert.Equal(["a.example"], recovery?.Recovered);
    }
}
