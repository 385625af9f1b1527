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

    /// <summary>RFC 8659 §4.2's issuer-domain-name: labels of ASCII letters and digits with inner hyphens, joined by
    /// dots (253 characters, 63 a label, at most). The names come from the CA (the challenge's issuer-domain-names, the
    /// directory's caaIdentities) and go into a record the administrator publishes: anything else — a ";" that adds
    /// an accounturi, a newline, an escape sequence — is refused, not quoted.</summary>
    public static bool IsIssuerDomainName(string name) =>
        name.Length is > 0 and <= 253 && name.Split('.').All(label =>
            label.Length is > 0 and <= 63 && char.IsAsciiLetterOrDigit(label[0]) && char.IsAsciiLetterOrDigit(label[^1])
            && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));

    /// <exception cref="ArgumentException"><paramref name="issuerDomainName"/> is no issuer-domain-name
    /// (<see cref="IsIssuerDomainName"/>).</exception>
    public static string Value(string issuerDomainName, Uri accountUrl, bool wildcard, DateTimeOffset? persistUntil)
    {
        if (!IsIssuerDomainName(issuerDomainName))
            throw new ArgumentException("not an issuer domain name (RFC 8659 §4.2)", nameof(issuerDomainName));
        var value = $"{issuerDomainName}; accounturi={accountUrl.OriginalString}";
        if (wildcard) value += "; policy=wildcard";
        if (persistUntil is { } until) value += "; persistUntil=" + until.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return value;
    }
}
