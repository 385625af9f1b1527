using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Concorde.Acme.Crypto;

/// <summary>"This certificate belongs to this key": the certificate's SubjectPublicKeyInfo is the key's
/// (RFC 5280 §4.1.2.7). A certificate installed beside a key it does not certify breaks TLS, and revoking
/// with the certificate key (RFC 8555 §7.6) needs exactly that key.</summary>
public static class PublicKeyMatch
{
    public static bool BelongsTo(X509Certificate2 certificate, ECDsa key)
    {
        using var certified = certificate.GetECDsaPublicKey();
        return certified is not null && BelongsTo(certified.ExportSubjectPublicKeyInfo(), key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>For callers that read both from the files without importing the key (DER SubjectPublicKeyInfo).</summary>
    public static bool BelongsTo(ReadOnlySpan<byte> certificateSubjectPublicKeyInfo, ReadOnlySpan<byte> keySubjectPublicKeyInfo) =>
        certificateSubjectPublicKeyInfo.SequenceEqual(keySubjectPublicKeyInfo);
}
