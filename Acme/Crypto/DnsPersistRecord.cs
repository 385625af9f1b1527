using System.Globalization;

namespace Concorde.Acme.Crypto;

/// <summary>The standing TXT record of draft-ietf-acme-dns-persist: at _validation-persist.&lt;domain&gt;, an
/// RFC 8659 issue-value naming the CA (one of the challenge's issuer-domain-names), the account (accounturi=),
/// optionally policy=wildcard (wildcards and subdomains too) and persistUntil= (UNIX seconds after which the CA
/// no longer accepts it).</summary>
public static class DnsPersistRecord
{
    /// <summary>A wildcard's "*." is dropped: its authorization is for the base name (RFC 8555 §7.1.3).</summary>
    public static string Name(string domain) =>
        "_validation-persist." + (domain.StartsWith("*.", StringComparison.Ordinal) ? domain[2..] : domain);

    public static string Value(string issuerDomainName, Uri accountUrl, bool wildcard, DateTimeOffset? persistUntil)
    {
        var value = $"{issuerDomainName}; accounturi={accountUrl.OriginalString}";
        if (wildcard) value += "; policy=wildcard";
        if (persistUntil is { } until) value += "; persistUntil=" + until.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return value;
    }
}
