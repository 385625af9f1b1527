using System.Security.Cryptography;

namespace Concorde.Acme.Crypto;

/// <summary>The HMAC of an external account binding's JWS: CAs hand out MAC keys for HS256, and some
/// (ZeroSSL, Sectigo, Google) for HS384 or HS512 too.</summary>
public enum EabMacAlgorithm
{
    HS256,
    HS384,
    HS512,
}

/// <summary>JWS names (RFC 7518 §3.2) and the MAC computation of each <see cref="EabMacAlgorithm"/>.</summary>
public static class EabMacAlgorithms
{
    public static string JwsName(this EabMacAlgorithm algorithm) => algorithm switch
    {
        EabMacAlgorithm.HS256 => "HS256",
        EabMacAlgorithm.HS384 => "HS384",
        EabMacAlgorithm.HS512 => "HS512",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown EAB MAC algorithm"),
    };

    /// <summary>Reads "HS256", "HS384" or "HS512" (case-insensitive); null for anything else.</summary>
    public static EabMacAlgorithm? Parse(string name) => name.ToUpperInvariant() switch
    {
        "HS256" => EabMacAlgorithm.HS256,
        "HS384" => EabMacAlgorithm.HS384,
        "HS512" => EabMacAlgorithm.HS512,
        _ => null,
    };

    public static byte[] Mac(this EabMacAlgorithm algorithm, byte[] key, byte[] data) => algorithm switch
    {
        EabMacAlgorithm.HS256 => HMACSHA256.HashData(key, data),
        EabMacAlgorithm.HS384 => HMACSHA384.HashData(key, data),
        EabMacAlgorithm.HS512 => HMACSHA512.HashData(key, data),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown EAB MAC algorithm"),
    };
}
