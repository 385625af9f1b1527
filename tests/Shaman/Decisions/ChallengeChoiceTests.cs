using Concorde.Acme.Wire;
using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>Which challenge shaman answers: the domain's authenticators before the profile's, the server's order
/// within each, only challenges still open, and none when no authenticator fits.</summary>
public sealed class ChallengeChoiceTests
{
    private static Challenge Open(string type, AcmeStatus status = AcmeStatus.Pending) =>
        new() { Type = type, Url = new Uri($"https://ca.test/chall/{type}"), Status = status, Token = "t" };

    private static Authorization Offering(params Challenge[] challenges) =>
        new() { Identifier = Identifier.ForDns("a.test"), Status = AcmeStatus.Pending, Challenges = challenges };

    private static readonly Dictionary<string, string> None = [];

    [Fact]
    public void Domain_authenticator_wins_over_the_profiles_even_for_a_later_challenge()
    {
        var choice = ChallengeChoice.Choose(Offering(Open(Challenge.Http01), Open(Challenge.Dns01)),
            new Dictionary<string, string> { [Challenge.Dns01] = "/domain/dns" },
            new Dictionary<string, string> { [Challenge.Http01] = "/profile/http" });

        Assert.Equal((Challenge.Dns01, "/domain/dns"), (choice!.Value.Challenge.Type, choice.Value.Program));
    }

    [Fact]
    public void Within_one_set_the_servers_order_decides()
    {
        var authenticators = new Dictionary<string, string> { [Challenge.Dns01] = "/dns", [Challenge.Http01] = "/http" };

        var choice = ChallengeChoice.Choose(Offering(Open(Challenge.Http01), Open(Challenge.Dns01)), None, authenticators);

        Assert.Equal("/http", choice!.Value.Program);
    }

    [Fact]
    public void Closed_challenges_and_unknown_types_are_passed_over()
    {
        var authenticators = new Dictionary<string, string> { [Challenge.Http01] = "/http", [Challenge.Dns01] = "/dns" };

        var choice = ChallengeChoice.Choose(Offering(Open(Challenge.Http01, AcmeStatus.Invalid), Open("dns-persist-01"), Open(Challenge.Dns01, AcmeStatus.Processing)),
            None, authenticators);

        Assert.Equal(Challenge.Dns01, choice!.Value.Challenge.Type);
    }

    [Fact]
    public void No_fitting_authenticator_is_no_choice()
    {
        Assert.Null(ChallengeChoice.Choose(Offering(Open(Challenge.TlsAlpn01)), None,
            new Dictionary<string, string> { [Challenge.Http01] = "/http" }));
    }
}
