using System.Buffers.Text;
using System.Security.Cryptography.X509Certificates;

namespace Concorde.Acme.Crypto;

/// <summary>The ARI certificate identifier (RFC 9773 §4.1).</summary>
public static class CertificateId
{
    /// <summary>base64url(AKI keyIdentifier) "." base64url(DER serial number content octets).</summary>
    public static string For(X509Certificate2 certificate)
    {
        var aki = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()
                  ?? throw new ArgumentException($"certificate {certificate.Subject} has no authority key identifier; ARI needs one");
        if (aki.KeyIdentifier is not { } keyId)
            throw new ArgumentException($"certificate {certificate.Subject} has an authority key identifier without keyIdentifier");
        return For(keyId.Span, certificate.SerialNumberBytes.Span);
    }

    /// <summary>From the two fields as they are in the DER: the AKI keyIdentifier and the serial number's content octets.</summary>
    public static string For(ReadOnlySpan<byte> authorityKeyIdentifier, ReadOnlySpan<byte> serialNumber) =>
        $"{Base64Url.EncodeToString(authorityKeyIdentifier)}.{Base64Url.EncodeToString(serialNumber)}";
}
