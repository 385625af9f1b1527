using System.Text.Json.Nodes;
using Concorde.Acme.Wire;

namespace Concorde.Shaman;

/// <summary>Warnings about settings that are valid but almost certainly not what was meant, logged at the start of
/// every run. None is an error: shaman.json keeps fields this version does not know (the Python tool's, a newer
/// version's, an administrator's notes), and a CA may offer a newer challenge type. But without a warning the only
/// symptom of a typo is that nothing happens — no altNames on the certificate, no deploy hook, the default
/// renewal.</summary>
public static class ProfileWarnings
{
    private static readonly string[] KnownChallengeTypes = [Challenge.Http01, Challenge.Dns01, Challenge.TlsAlpn01, Challenge.DnsAccount01];
    private static readonly IReadOnlyList<string> DomainFields = [.. DomainSettings.Fields, .. DomainState.Fields];

    public static void Warn(JsonObject root, ProfileSettings settings, ShamanLog log)
    {
        WarnUnknownFields(root, ProfileSettings.Fields, DomainFields, "at the top level", "inside a domain", log);
        if (root["domains"] is JsonObject domains)
            foreach (var (name, domain) in domains)
                if (domain is JsonObject fields)
                    WarnUnknownFields(fields, DomainFields, ProfileSettings.Fields, $"in domain \"{name}\"", "at the top level", log);
        if (settings.RenewalDays == 0)
            log.Warning($"{ProfileSettings.FileName}: \"renewal\": 0 renews a certificate only once it has expired, so it lapses " +
                        "until the next run after that; set the days before expiry to renew at, e.g. \"renewal\": 30, or remove " +
                        "\"renewal\" to renew when a third of the lifetime remains");
        WarnUnknownChallengeTypes(settings.Authenticators, "\"authenticators\"", log);
        WarnUnknownChallengeTypes(settings.Cleanup, "\"cleanup\"", log);
        foreach (var domain in settings.Domains)
        {
            WarnUnknownChallengeTypes(domain.Authenticators, $"{domain.Name}: \"authenticators\"", log);
            WarnUnknownChallengeTypes(domain.Cleanup, $"{domain.Name}: \"cleanup\"", log);
        }
    }

    private static void WarnUnknownFields(JsonObject obj, IReadOnlyList<string> known, IReadOnlyList<string> knownElsewhere,
        string where, string elsewhere, ShamanLog log)
    {
        foreach (var (field, _) in obj)
        {
            if (known.Contains(field)) continue;
            var hint = knownElsewhere.Contains(field)
                ? $"it belongs {elsewhere}"
                : ClosestField(field, known) is { } closest ? $"did you mean \"{closest}\"?" : "remove it if it is a mistake";
            log.Warning($"{ProfileSettings.FileName}: unknown field \"{field}\" {where} has no effect (it is kept in the file); {hint}");
        }
    }

    /// <summary>The known field <paramref name="field"/> was most likely meant to be, if any: the same name but for case
    /// and `_`/`-` ("altnames", "account-id"), one or two letters off ("renewl", "domians"), or a known name with
    /// something added ("deploy_hook").</summary>
    internal static string? ClosestField(string field, IReadOnlyList<string> known)
    {
        var plain = Plain(field);
        if (known.FirstOrDefault(k => Plain(k) == plain) is { } sameName) return sameName;
        var (nearest, distance) = known.Select(k => (k, Distance(Plain(k), plain))).MinBy(pair => pair.Item2);
        if (distance <= (plain.Length < 5 ? 1 : 2)) return nearest;
        return known.FirstOrDefault(k => Plain(k).Length >= 4 && plain.StartsWith(Plain(k), StringComparison.Ordinal));
    }

    private static string Plain(string name) => name.Replace("_", "").Replace("-", "").ToLowerInvariant();

    /// <summary>Edits (insert, delete, replace, swap two neighbours) that turn <paramref name="a"/> into <paramref name="b"/>.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    /// <summary>`authenticators` and `cleanup` entries whose challenge type concorde does not know: "http01" or "dns" is
    /// far more often a typo than a type the CA offers, and otherwise the only symptom is "no authenticator for ..."
    /// once a certificate is due.</summary>
    private static void WarnUnknownChallengeTypes(IReadOnlyDictionary<string, string> programs, string where, ShamanLog log)
    {
        foreach (var type in programs.Keys.Where(type => !KnownChallengeTypes.Contains(type)))
            log.Warning($"{where} names \"{type}\", which is not a challenge type concorde knows ({string.Join(", ", KnownChallengeTypes)}); " +
                        "it is used only if the CA offers a challenge of exactly that type. Fix the name if it is a typo");
    }
}
