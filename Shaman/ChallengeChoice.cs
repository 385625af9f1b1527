using Concorde.Acme.Wire;

namespace Concorde.Shaman;

/// <summary>Which challenge of an authorization shaman answers, and with which program. Pure.</summary>
public static class ChallengeChoice
{
    /// <summary>The first challenge still open that has an authenticator: the domain's own authenticators are
    /// preferred over the profile's, and within each, the server's order of challenges. Null when none has one.</summary>
    public static (Challenge Challenge, string Program)? Choose(Authorization authorization,
        IReadOnlyDictionary<string, string> domainAuthenticators, IReadOnlyDictionary<string, string> profileAuthenticators)
    {
        foreach (var authenticators in new[] { domainAuthenticators, profileAuthenticators })
            foreach (var challenge in authorization.Challenges)
                if (challenge.Status is AcmeStatus.Pending or AcmeStatus.Processing && authenticators.TryGetValue(challenge.Type, out var program))
                    return (challenge, program);
        return null;
    }
}
