namespace Concorde.Shaman;

/// <summary>Whether a domain has an authenticator that can run at all, asked before a new order is placed: an order
/// the domain cannot authorize is wasted at the CA and counts against its rate limits. Which challenge the CA asks
/// for is known only after the order, so one runnable authenticator (the domain's own or the profile's, of any
/// challenge type) is enough here; <see cref="ChallengeChoice"/> picks among them later.</summary>
public static class AuthenticatorAvailability
{
    /// <param name="resolve">Finds a program as <see cref="ProgramRunner.Resolve(string)"/> does: the full path, or null.</param>
    /// <returns>Null when at least one authenticator is an executable file; otherwise what is wrong with each and
    /// how to fix it (without the domain's name).</returns>
    public static string? Problem(DomainSettings domain, ProfileSettings settings, Func<string, string?> resolve)
    {
        // dns-persist-01 is answered without a program: the standing record does the work.
        if (domain.Effective.Persist is not null) return null;
        var configured = domain.Authenticators.Select(a => (Where: "its own", a.Key, a.Value))
            .Concat(settings.Authenticators.Select(a => (Where: "the profile's", a.Key, a.Value)))
            .ToList();
        if (configured.Count == 0)
            return "no authenticator is configured; add one to \"authenticators\" in shaman.json " +
                   "(e.g. \"http-01\": \"<program that publishes the challenge response>\")";
        var problems = new List<string>();
        foreach (var (where, type, program) in configured)
        {
            if (resolve(program) is not { } path)
                problems.Add($"{where} {type} authenticator \"{program}\" is not found in the profile directory or on PATH");
            else if (!ProgramRunner.IsExecutable(path))
                problems.Add($"{where} {type} authenticator {path} is not executable");
            else
                return null;
        }
        return $"no authenticator can run: {string.Join("; ", problems)}. " +
               "Install the program, chmod +x it or correct its name in \"authenticators\" in shaman.json";
    }
}
