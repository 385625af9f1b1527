using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace Concorde.Acme.Crypto;

/// <summary>The public JWK of a P-384 key (RFC 7518 §6.2) and its thumbprint (RFC 7638).</summary>
public static class Jwk
{
    /// <summary>RFC 7638 §3.2: the required members only, in lexicographic order (crv, kty, x, y), no
    /// whitespace, coordinates at their full fixed length. The same bytes serve the `jwk` header.</summary>
    public static byte[] CanonicalJson(ECDsa key)
    {
        var p = key.ExportParameters(includePrivateParameters: false);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("crv", CurveName(p.Curve));
            json.WriteString("kty", "EC");
            json.WriteString("x", Base64Url.EncodeToString(p.Q.X));
            json.WriteString("y", Base64Url.EncodeToString(p.Q.Y));
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static JsonElement ToJsonElement(ECDsa key)
    {
        using var document = JsonDocument.Parse(CanonicalJson(key));
        return document.RootElement.Clone();
    }

    /// <summary>RFC 7638 §3.1: base64url(SHA-256(canonical JWK)).</summary>
    public static string Thumbprint(ECDsa key) => Base64Url.EncodeToString(SHA256.HashData(CanonicalJson(key)));

    /// <summary>Whether two keys are the same key pair: equal JWK thumbprints (RFC 7638 §1: the thumbprint
    /// identifies the key).</summary>
    public static bool SameKey(ECDsa a, ECDsa b) => Thumbprint(a) == Thumbprint(b);

    private static string CurveName(ECCurve curve) => curve.Oid.Value switch
    {
        KeyCurve.P384Oid => "P-384",
        _ => throw new CryptographicException($"unsupported curve {curve.Oid.FriendlyName ?? curve.Oid.Value}; only P-384 keys are used"),
    };
}
