using Concorde.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>The deadline's token stops the domain's work for either cause, but only the time running out counts as
/// the deadline: a stopped run (SIGINT/SIGTERM) stays an interruption (exit 130).</summary>
public sealed class DomainDeadlineTokenTests
{
    [Fact]
    public async Task Time_running_out_cancels_and_counts_as_expired()
    {
        using var deadline = new DomainDeadline(TimeSpan.FromMilliseconds(50), CancellationToken.None);

        await Eventually.WaitUntilAsync(() => deadline.Token.IsCancellationRequested, TimeSpan.FromSeconds(10), "the deadline to fire");

        Assert.True(deadline.HasExpired);
    }

    [Fact]
    public void Stopped_run_cancels_but_is_not_the_deadline()
    {
        using var run = new CancellationTokenSource();
        using var deadline = new DomainDeadline(TimeSpan.FromHours(1), run.Token);

        run.Cancel();

        Assert.True(deadline.Token.IsCancellationRequested);
        Assert.False(deadline.HasExpired);
    }

    [Fact]
    public void Explanation_names_the_domain_what_it_waited_for_and_the_setting()
    {
        using var deadline = new DomainDeadline(TimeSpan.FromSeconds(300), CancellationToken.None);
        var progress = new DomainProgress();
        progress.Note("order https://ca.example/order/1 was still processing at the CA");

        Assert.Equal("example.com: order https://ca.example/order/1 was still processing at the CA after 300 s, the domain's \"domainTimeout\"; " +
                     "stopped there. What is done is recorded; the next run continues from it", deadline.Explain("example.com", progress));
    }
}
