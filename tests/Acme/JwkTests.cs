using System.Security.Cryptography;
using System.Text;
using Concorde.Acme.Crypto;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>The account key's JWK and its RFC 7638 thumbprint, recomputed independently.</summary>
public sealed class JwkTests
{
    [Fact]
    public void Thumbprint_is_sha256_of_the_required_members_in_lexicographic_order()
    {
        using var key = KeyCurve.Generate();

        Assert.Equal(IndependentThumbprint(key), Jwk.Thumbprint(key));
    }

    [Fact]
    public void Coordinates_with_leading_zero_octets_keep_their_full_length()
    {
        // RFC 7518 §6.2.1.2: "The length of this octet string MUST be the full size of a coordinate for the curve".
        var key = KeyCurve.Generate();
        while (key.ExportParameters(false).Q.X![0] != 0)
        {
            key.Dispose();
            key = KeyCurve.Generate();
        }

        using (key)
        {
            var json = Encoding.UTF8.GetString(Jwk.CanonicalJson(key));
            Assert.Contains($"\"x\":\"{RfcBase64Url.Encode(key.ExportParameters(false).Q.X!)}\"", json, StringComparison.Ordinal);
            Assert.StartsWith("A", json.Split("\"x\":\"")[1], StringComparison.Ordinal);
            Assert.Equal(IndependentThumbprint(key), Jwk.Thumbprint(key));
        }
    }

    [Fact]
    public void Thumbprint_of_a_fixed_key_is_stable()
    {
        // d = 1: the public point is the curve's generator G (FIPS 186-4 D.1.2.4).
        var d = new byte[48];
        d[^1] = 1;
        using var key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP384, D = d });
        var q = key.ExportParameters(false).Q;
        Assert.Equal("AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB7", Convert.ToHexString(q.X!));

        Assert.Equal(IndependentThumbprint(key), Jwk.Thumbprint(key));
    }

    [Fact]
    public void Only_p384_keys_have_a_jwk()
    {
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.Throws<CryptographicException>(() => Jwk.Thumbprint(p256));
    }

    [Fact]
    public void Key_authorizations_derive_from_token_and_thumbprint()
    {
        using var key = KeyCurve.Generate();
        var keyAuthorization = KeyAuthorization.For("token-123", key);

        Assert.Equal("token-123." + IndependentThumbprint(key), keyAuthorization);
        Assert.Equal(RfcBase64Url.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization))),
            KeyAuthorization.Dns01TxtValue(keyAuthorization));
        Assert.Equal(SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization)), KeyAuthorization.TlsAlpn01Digest(keyAuthorization));
        Assert.Equal("_acme-challenge.example.com", KeyAuthorization.Dns01RecordName("*.example.com"));
        Assert.Equal("_acme-challenge.www.example.com", KeyAuthorization.Dns01RecordName("www.example.com"));
    }

    /// <summary>RFC 7638 §3: {"crv":..,"kty":"EC","x":..,"y":..} without whitespace, SHA-256, base64url.</summary>
    private static string IndependentThumbprint(ECDsa key)
    {
        var q = key.ExportParameters(includePrivateParameters: false).Q;
        var json = string.Format(
            System.Globalization.CultureInfo.InvariantCulture,
            "{{\"crv\":\"P-384\",\"kty\":\"EC\",\"x\":\"{0}\",\"y\":\"{1}\"}}",
            RfcBase64Url.Encode(q.X!),
            RfcBase64Url.Encode(q.Y!));
        return RfcBase64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
    }
}
