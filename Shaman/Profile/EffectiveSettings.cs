namespace Concorde.Shaman;

/// <summary>The settings that apply to one domain: its own where it has them, else the profile's. Merged once, when
/// shaman.json is read, so no other code weighs a domain's setting against the profile's.</summary>
/// <param name="Deploy">The deploy program.</param>
/// <param name="CertificateProfile">The CA's certificate profile to order ("profile").</param>
/// <param name="PreferredChain">The issuer common name of the chain to prefer.</param>
/// <param name="Verify">The endpoints checked after the certificate was deployed; empty checks nothing.</param>
/// <param name="Persist">Whether (and until when) a standing dns-persist-01 record authorizes the names.</param>
/// <param name="Timeout">How long the domain's work may take in a run ("domainTimeout").</param>
/// <param name="Cleanup">Challenge type → cleanup program, the domain's entries over the profile's.</param>
/// <param name="Environment">Variables for the domain's programs, the domain's entries over the profile's.</param>
public sealed record EffectiveSettings(
    string? Deploy,
    string? CertificateProfile,
    string? PreferredChain,
    IReadOnlyList<VerifyEndpoint> Verify,
    DnsPersistSetting? Persist,
    TimeSpan Timeout,
    IReadOnlyDictionary<string, string> Cleanup,
    IReadOnlyDictionary<string, string> Environment)
{
    public static readonly EffectiveSettings None = new(null, null, null, [], null, ProfileSettings.DefaultDomainTimeout, new Dictionary<string, string>(),
        new Dictionary<string, string>());

    public static EffectiveSettings Merge(DomainSettings domain, ProfileSettings profile)
    {
        return new EffectiveSettings(domain.Deploy ?? profile.Deploy, domain.Profile ?? profile.Profile, domain.PreferredChain ?? profile.PreferredChain,
            domain.Verify ?? profile.Verify, domain.Persist ?? profile.Persist, domain.DomainTimeout ?? profile.DomainTimeout,
            Over(profile.Cleanup, domain.Cleanup), Over(profile.Environment, domain.Environment));
    }

    /// <summary>The profile's entries with the domain's added, a domain's entry replacing the profile's of the same name.</summary>
    private static Dictionary<string, string> Over(IReadOnlyDictionary<string, string> profile, IReadOnlyDictionary<string, string> domain)
    {
        var merged = new Dictionary<string, string>(profile, StringComparer.Ordinal);
        foreach (var (name, value) in domain) merged[name] = value;
        return merged;
    }
}
