using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>A held lock is a run at work (75) unless another user holds it or no run has taken it for longer than a run
/// may take: then renewals have stopped and the run fails.</summary>
public sealed class LockDecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan LongestRun = TimeSpan.FromHours(5);
    private const uint Self = 1000;

    public static TheoryData<string, double, int?, uint?, LockVerdict> Cases => new()
    {
        { "taken just now by a root process", 0, 42, 0u, LockVerdict.Busy },
        { "taken just now by this user", 0, 42, Self, LockVerdict.Busy },
        { "taken just now, holder hidden", 0, null, null, LockVerdict.Busy },
        { "pid shown, user hidden (hidepid)", 0, 42, null, LockVerdict.Busy },
        { "taken just now by another user", 0, 42, 65534u, LockVerdict.HeldByAnotherUser },
        { "within the longest run and its margin", 5.9, 42, 0u, LockVerdict.Busy },
        { "past the longest run and its margin", 6.1, 42, 0u, LockVerdict.HeldTooLong },
        { "past it, holder hidden", 48, null, null, LockVerdict.HeldTooLong },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_held_lock_is_judged_by_its_holder_and_by_when_a_run_last_took_it(string what, double hoursSinceTaken, int? processId, uint? user,
        LockVerdict expected)
    {
        var holder = new LockHolder(Now.AddHours(-hoursSinceTaken), processId, user);

        Assert.True(expected == LockDecision.Decide(holder, Self, Now, LongestRun), what);
    }

    [Fact]
    public void The_longest_run_is_runTimeout_plus_the_longest_domainTimeout()
    {
        var settings = ProfileSettings.Parse(System.Text.Json.Nodes.JsonNode.Parse("""
            { "server": "https://ca.example/dir", "runTimeout": 7200, "domainTimeout": 600,
              "domains": { "a.example": {}, "b.example": { "domainTimeout": 1800 } } }
            """)!.AsObject());

        Assert.Equal(TimeSpan.FromSeconds(7200 + 1800), LockDecision.LongestRun(settings));
    }
}
