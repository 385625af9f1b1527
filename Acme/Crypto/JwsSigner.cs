using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Concorde.Acme.Wire;

namespace Concorde.Acme.Crypto;

/// <summary>Builds flattened JWS objects (RFC 8555 §6.2): ES384 with the raw r‖s signature of RFC 7518 §3.4.</summary>
public static class JwsSigner
{
    public const string Algorithm = "ES384";

    /// <summary>Signs with either `kid` (an account URL) or, when <paramref name="kid"/> is null, the full
    /// `jwk` — RFC 8555 §6.2: newAccount and certificate-key revocation use jwk, everything else kid.</summary>
    public static JwsMessage Sign(ECDsa key, Uri? kid, string? nonce, Uri url, ReadOnlySpan<byte> payload)
    {
        var header = ProtectedHeader(key, kid, nonce, url);
        return SignWithHeader(key, header, payload);
    }

    internal static JwsMessage SignWithHeader(ECDsa key, byte[] protectedHeader, ReadOnlySpan<byte> payload)
    {
        var encodedHeader = Base64Url.EncodeToString(protectedHeader);
        var encodedPayload = Base64Url.EncodeToString(payload);
        var signingInput = Encoding.ASCII.GetBytes($"{encodedHeader}.{encodedPayload}");
        var signature = key.SignData(signingInput, HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new JwsMessage(encodedHeader, encodedPayload, Base64Url.EncodeToString(signature));
    }

    private static byte[] ProtectedHeader(ECDsa key, Uri? kid, string? nonce, Uri url)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("alg", Algorithm);
            if (kid is null)
            {
                json.WritePropertyName("jwk");
                json.WriteRawValue(Jwk.CanonicalJson(key), skipInputValidation: true);
            }
            else
            {
                json.WriteString("kid", kid.AbsoluteUri);
            }
            if (nonce is not null) json.WriteString("nonce", nonce);
            json.WriteString("url", url.AbsoluteUri);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
