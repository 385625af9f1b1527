using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Concorde.Acme.Crypto;

/// <summary>Challenge responses derived from the token and the account key.</summary>
public static class KeyAuthorization
{
    /// <summary>RFC 8555 §8.1: token || '.' || base64url(Thumbprint(accountKey)).</summary>
    public static string For(string token, ECDsa accountKey) => $"{token}.{Jwk.Thumbprint(accountKey)}";

    /// <summary>RFC 8555 §8.4: the TXT record value is base64url(SHA-256(key authorization)).</summary>
    public static string Dns01TxtValue(string keyAuthorization) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(keyAuthorization)));

    /// <summary>RFC 8555 §8.4: "_acme-challenge." prepended to the domain; a wildcard's "*." is dropped (§7.1.3).</summary>
    public static string Dns01RecordName(string domain) =>
        "_acme-challenge." + (domain.StartsWith("*.", StringComparison.Ordinal) ? domain[2..] : domain);

    /// <summary>RFC 8737 §3: the acmeIdentifier extension carries SHA-256 of the key authorization.</summary>
    public static byte[] TlsAlpn01Digest(string keyAuthorization) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(keyAuthorization));
}
