using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Concorde.Acme.Crypto;

/// <summary>concorde uses exactly one key type: ECDSA on NIST P-384 with SHA-384 (JWS "ES384").</summary>
public static class KeyCurve
{
    public const string P384Oid = "1.3.132.0.34";

    public static ECDsa Generate() => ECDsa.Create(ECCurve.NamedCurves.nistP384);

    public static bool IsP384(ECDsa key)
    {
        var curve = key.ExportParameters(false).Curve;
        return curve.IsNamed && curve.Oid.Value == P384Oid;
    }

    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const string RsaEncryptionOid = "1.2.840.113549.1.1.1";

    /// <summary>What kind of key a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) holds, for a message: "ECDSA P-384",
    /// "ECDSA P-256", "RSA 2048" (another client's keys); null for this one kind, ECDSA P-384.</summary>
    public static string? OtherKind(byte[] subjectPublicKeyInfo)
    {
        try
        {
            var info = new AsnReader(subjectPublicKeyInfo, AsnEncodingRules.DER).ReadSequence();
            var algorithm = info.ReadSequence();
            var oid = algorithm.ReadObjectIdentifier();
            if (oid == EcPublicKeyOid)
            {
                var curve = algorithm.HasData && algorithm.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier) ? algorithm.ReadObjectIdentifier() : null;
                return curve == P384Oid ? null : $"ECDSA {CurveName(curve)}";
            }
            if (oid != RsaEncryptionOid) return $"algorithm {oid}";
            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
            return $"RSA {rsa.KeySize}";
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException)
        {
            return "unreadable";
        }
    }

    private static string CurveName(string? oid) => oid switch
    {
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.35" => "P-521",
        null => "(explicit curve)",
        _ => $"curve {oid}",
    };
}
