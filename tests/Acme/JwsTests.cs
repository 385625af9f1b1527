using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Concorde.Acme.Crypto;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>The flattened ES384 JWS of RFC 8555 §6.2, checked with the BCL and independent base64url code.</summary>
public sealed class JwsTests
{
    private static readonly Uri Url = new("https://127.0.0.1/acme/new-order");
    private static readonly Uri AccountUrl = new("https://127.0.0.1/acme/acct/17");

    [Fact]
    public void Signature_verifies_over_protected_dot_payload_with_sha384_and_raw_r_s()
    {
        using var key = KeyCurve.Generate();
        var payload = """{"identifiers":[{"type":"dns","value":"example.com"}]}"""u8.ToArray();

        var jws = JwsSigner.Sign(key, AccountUrl, "nonce-1", Url, payload);

        var signature = RfcBase64Url.Decode(jws.Signature);
        Assert.Equal(96, signature.Length);
        Assert.True(key.VerifyData(Encoding.ASCII.GetBytes(jws.Protected + "." + jws.Payload), signature,
            HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.False(key.VerifyData(Encoding.ASCII.GetBytes(jws.Protected + "." + jws.Payload + "x"), signature,
            HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.Equal(payload, RfcBase64Url.Decode(jws.Payload));
    }

    [Fact]
    public void Header_with_kid_names_the_account_and_carries_no_jwk()
    {
        using var key = KeyCurve.Generate();

        var header = JwsHeader.Of(JwsSigner.Sign(key, AccountUrl, "nonce-2", Url, "{}"u8));

        Assert.Equal(["alg", "kid", "nonce", "url"], header.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("ES384", header.GetProperty("alg").GetString());
        Assert.Equal(AccountUrl.AbsoluteUri, header.GetProperty("kid").GetString());
        Assert.Equal("nonce-2", header.GetProperty("nonce").GetString());
        Assert.Equal(Url.AbsoluteUri, header.GetProperty("url").GetString());
    }

    [Fact]
    public void Header_with_jwk_carries_the_public_key_and_no_kid()
    {
        using var key = KeyCurve.Generate();
        var q = key.ExportParameters(includePrivateParameters: false).Q;

        var header = JwsHeader.Of(JwsSigner.Sign(key, kid: null, "nonce-3", Url, "{}"u8));

        Assert.Equal(["alg", "jwk", "nonce", "url"], header.EnumerateObject().Select(p => p.Name).Order());
        var jwk = header.GetProperty("jwk");
        Assert.Equal(["crv", "kty", "x", "y"], jwk.EnumerateObject().Select(p => p.Name));
        Assert.Equal("P-384", jwk.GetProperty("crv").GetString());
        Assert.Equal("EC", jwk.GetProperty("kty").GetString());
        Assert.Equal(q.X, RfcBase64Url.Decode(jwk.GetProperty("x").GetString()!));
        Assert.Equal(q.Y, RfcBase64Url.Decode(jwk.GetProperty("y").GetString()!));
        Assert.Equal("nonce-3", header.GetProperty("nonce").GetString());
    }

    [Fact]
    public void Post_as_get_payload_is_the_empty_string()
    {
        using var key = KeyCurve.Generate();

        var jws = JwsSigner.Sign(key, AccountUrl, "nonce-4", Url, []);

        Assert.Equal("", jws.Payload);
        var json = JsonSerializer.Serialize(jws, Concorde.Acme.AcmeJsonContext.Default.JwsMessage);
        Assert.Contains("\"payload\":\"\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_part_is_base64url_without_padding()
    {
        using var key = KeyCurve.Generate();
        // Standard base64 of these bytes is "+/+/+w==": both alphabet differences and padding.
        byte[] payload = [0xFB, 0xFF, 0xBF, 0xFB];

        var jws = JwsSigner.Sign(key, AccountUrl, "nonce-5", Url, payload);

        Assert.Equal("-_-_-w", jws.Payload);
        foreach (var part in new[] { jws.Protected, jws.Payload, jws.Signature })
        {
            Assert.DoesNotContain('=', part);
            Assert.DoesNotContain('+', part);
            Assert.DoesNotContain('/', part);
        }
    }

    [Fact]
    public void Request_without_nonce_has_no_nonce_member()
    {
        using var key = KeyCurve.Generate();

        var header = JwsHeader.Of(JwsSigner.Sign(key, kid: null, nonce: null, Url, "{}"u8));

        Assert.False(header.TryGetProperty("nonce", out _));
    }
}
