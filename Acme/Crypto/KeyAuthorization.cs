using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Concorde.Acme.Problems;

namespace Concorde.Acme.Crypto;

/// <summary>Challenge responses derived from the token and the account key.</summary>
public static class KeyAuthorization
{
    /// <summary>RFC 8555 §8.1: token || '.' || base64url(Thumbprint(accountKey)). The token goes to programs that
    /// name files and DNS records after it, so one outside the base64url alphabet ("../", a newline) is refused
    /// (§8.3: it "MUST NOT contain any characters outside the base64url alphabet").</summary>
    public static string For(string token, ECDsa accountKey)
    {
        if (token.Length == 0 || !token.All(IsBase64UrlCharacter))
            throw new AcmeProtocolException($"the challenge token {ServerText.Quote(token)} is not base64url (RFC 8555 §8.3); refused before any authenticator runs");
        return $"{token}.{Jwk.Thumbprint(accountKey)}";
    }

    private static bool IsBase64UrlCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    /// <summary>RFC 8555 §8.4: the TXT record value is base64url(SHA-256(key authorization)).</summary>
    public static string Dns01TxtValue(string keyAuthorization) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(keyAuthorization)));

    /// <summary>RFC 8555 §8.4: "_acme-challenge." prepended to the domain; a wildcard's "*." is dropped (§7.1.3).</summary>
    public static string Dns01RecordName(string domain) =>
        "_acme-challenge." + (domain.StartsWith("*.", StringComparison.Ordinal) ? domain[2..] : domain);

    /// <summary>draft-ietf-acme-dns-account-label: "_" + the account label + "._acme-challenge." + the domain (a
    /// wildcard's "*." dropped as for dns-01); the TXT value is the same as for dns-01.</summary>
    public static string DnsAccount01RecordName(string domain, Uri accountUrl) =>
        $"_{DnsAccountLabel.For(accountUrl)}.{Dns01RecordName(domain)}";

    /// <summary>RFC 8737 §3: the acmeIdentifier extension carries SHA-256 of the key authorization.</summary>
    public static byte[] TlsAlpn01Digest(string keyAuthorization) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(keyAuthorization));
}
