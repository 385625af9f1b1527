using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Concorde.Acme.Wire;

namespace Concorde.Acme.Crypto;

/// <summary>An external account binding (RFC 8555 §7.3.4): key identifier, MAC key and its HMAC from the CA.</summary>
public sealed record ExternalAccountBinding(string KeyId, byte[] MacKey, EabMacAlgorithm Algorithm = EabMacAlgorithm.HS256)
{
    /// <summary>The MAC key as CAs hand it out: base64url (padding and standard base64 tolerated).</summary>
    public static ExternalAccountBinding FromBase64Url(string keyId, string macKey, EabMacAlgorithm algorithm = EabMacAlgorithm.HS256)
    {
        var normalized = macKey.Trim().TrimEnd('=').Replace('+', '-').Replace('/', '_');
        if (keyId.Length == 0) throw new FormatException("the EAB key id is empty");
        if (normalized.Length == 0) throw new FormatException("the EAB MAC key is empty");
        try
        {
            return new ExternalAccountBinding(keyId, Base64Url.DecodeFromChars(normalized), algorithm);
        }
        catch (FormatException)
        {
            throw new FormatException("the EAB MAC key is not base64url");
        }
    }

    /// <summary>An HMAC JWS (<see cref="Algorithm"/>) over the account's JWK whose header carries the EAB key id and the
    /// newAccount URL, and no nonce (§7.3.4).</summary>
    public JwsMessage Sign(ECDsa accountKey, Uri newAccountUrl)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("alg", Algorithm.JwsName());
            json.WriteString("kid", KeyId);
            json.WriteString("url", newAccountUrl.AbsoluteUri);
            json.WriteEndObject();
        }
        var encodedHeader = Base64Url.EncodeToString(buffer.ToArray());
        var encodedPayload = Base64Url.EncodeToString(Jwk.CanonicalJson(accountKey));
        var mac = Algorithm.Mac(MacKey, Encoding.ASCII.GetBytes($"{encodedHeader}.{encodedPayload}"));
        return new JwsMessage(encodedHeader, encodedPayload, Base64Url.EncodeToString(mac));
    }

    public override string ToString() => $"ExternalAccountBinding {{ KeyId = {KeyId}, Algorithm = {Algorithm.JwsName()} }}";
}
