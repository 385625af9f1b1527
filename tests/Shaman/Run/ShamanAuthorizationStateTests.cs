using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>A pending order whose authorization can no longer become valid (RFC 8555 §7.1.6): the scripted CA hands out
/// the authorization already in that state, which Pebble cannot be made to do. The domain fails naming the identifier
/// and the state, no authenticator runs, the order is dropped, and the next run orders afresh.</summary>
public sealed class ShamanAuthorizationStateTests
{
    private const string Name = "dead-authz.example.com";
    private static readonly DateTimeOffset Now = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("deactivated")]
    [InlineData("expired")]
    [InlineData("revoked")]
    [InlineData("invalid")]
    public async Task A_dead_authorization_fails_the_domain_clearly_and_the_next_run_places_a_new_order(string status)
    {
        using var profile = await ScriptedProfile.CreateAsync(Name);
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        var validations = 0;
        ca.RequireChallenges(new ScriptedChallenge(Challenge.Http01, "dead-authz-token", _ => { validations++; return null; }));
        ca.StartAuthorizationsAs(status);

        var failed = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        Assert.Contains(failed.Lines, l => l.StartsWith($"ERROR {Name}: authorization for {Name} (", StringComparison.Ordinal) &&
                                           l.Contains($") is {status} at the CA, so the order cannot be completed; the order is dropped and a new one is placed on the next run", StringComparison.Ordinal));
        Assert.Equal(0, validations);
        var domain = profile.ReadDomain(Name);
        Assert.False(domain.ContainsKey("order_id"), domain.ToJsonString());
        Assert.Equal(1, domain["failures"]!.GetValue<int>());
        Assert.Single(ca.NewOrderPayloads);

        ca.StartAuthorizationsAs("pending");
        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now.AddMinutes(5)), options: "--force")).Exited(0);

        Assert.Equal(2, ca.NewOrderPayloads.Count);
        Assert.Equal(1, validations);
        Assert.True(File.Exists(profile.CertificatePath(Name)));
    }
}
