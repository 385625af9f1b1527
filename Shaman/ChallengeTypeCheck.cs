using Concorde.Acme.Wire;

namespace Concorde.Shaman;

/// <summary>Warns about `authenticators` and `cleanup` entries whose challenge type concorde does not know. Not
/// an error: a CA may offer a newer type and the entry then works. But "http01" or "dns" is far more often a
/// typo, and without this warning the only symptom is "no authenticator for ..." once a certificate is due.</summary>
public static class ChallengeTypeCheck
{
    private static readonly string[] Known = [Challenge.Http01, Challenge.Dns01, Challenge.TlsAlpn01];

    public static void Warn(ProfileSettings settings, ShamanLog log)
    {
        Warn(settings.Authenticators, "\"authenticators\"", log);
        Warn(settings.Cleanup, "\"cleanup\"", log);
        foreach (var domain in settings.Domains)
        {
            Warn(domain.Authenticators, $"{domain.Name}: \"authenticators\"", log);
            Warn(domain.Cleanup, $"{domain.Name}: \"cleanup\"", log);
        }
    }

    private static void Warn(IReadOnlyDictionary<string, string> programs, string where, ShamanLog log)
    {
        foreach (var type in programs.Keys.Where(type => !Known.Contains(type)))
            log.Warning($"{where} names \"{type}\", which is not a challenge type concorde knows ({string.Join(", ", Known)}); " +
                        "it is used only if the CA offers a challenge of exactly that type. Fix the name if it is a typo");
    }
}
