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
}
