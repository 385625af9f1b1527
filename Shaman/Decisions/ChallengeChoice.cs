using Concorde.Acme.Wire;

namespace Concorde.Shaman;

/// <summary>Which challenge of an authorization shaman answers, and with which program. Pure.</summary>
public static class ChallengeChoice
{
    /// <summary>With <paramref name="dnsPersist"/> (the administrator created the standing record), an open
    /// dns-persist-01 challenge first, with no program. Otherwise the first challenge still open that has an
    /// authenticator: the domain's own authenticators are preferred over the profile's, and within each, the
    /// server's order of challenges. Null when none fits.</summary>
    public static (Challenge Challenge, string? Program)? Choose(Authorization authorization,
        IReadOnlyDictionary<string, string> domainAuthenticators, IReadOnlyDictionary<string, string> profileAuthenticators,
        bool dnsPersist = false)
    {
        if (dnsPersist && authorization.Challenges.FirstOrDefault(c => c.Type == Challenge.DnsPersist01 && IsOpen(c)) is { } persist)
            return (persist, null);
        foreach (var authenticators in new[] { domainAuthenticators, profileAuthenticators })
            foreach (var challenge in authorization.Challenges)
                if (IsOpen(challenge) && authenticators.TryGetValue(challenge.Type, out var program))
                    return (challenge, program);
        return null;
    }

    private static bool IsOpen(Challenge challenge) => challenge.Status is AcmeStatus.Pending or AcmeStatus.Processing;
}
