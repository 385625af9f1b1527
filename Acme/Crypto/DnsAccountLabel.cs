using System.Security.Cryptography;
using System.Text;

namespace Concorde.Acme.Crypto;

/// <summary>The account label of draft-ietf-acme-dns-account-label: lowercase base32 (RFC 4648 §6, no padding) of
/// the first 10 bytes of SHA-256 of the account URL. 10 bytes are 80 bits, exactly 16 base32 characters.</summary>
public static class DnsAccountLabel
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    private const int DigestPrefixBytes = 10;

    public static string For(Uri accountUrl)
    {
        var prefix = SHA256.HashData(Encoding.UTF8.GetBytes(accountUrl.OriginalString)).AsSpan(0, DigestPrefixBytes);
        var label = new StringBuilder(16);
        var buffer = 0;
        var bits = 0;
        foreach (var b in prefix)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                label.Append(Alphabet[(buffer >> bits) & 31]);
            }
        }
        return label.ToString();
    }
}
