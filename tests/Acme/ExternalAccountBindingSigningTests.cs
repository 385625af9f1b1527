using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Concorde.Acme.Crypto;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>The external account binding JWS (RFC 8555 §7.3.4), checked with HMACSHA256 directly.</summary>
public sealed class ExternalAccountBindingSigningTests
{
    private static readonly Uri NewAccountUrl = new("https://127.0.0.1/acme/new-account");
    private static readonly byte[] MacKey = Encoding.ASCII.GetBytes("a 32-byte MAC key for HS256 use!");

    [Fact]
    public void Mac_is_hmac_sha256_over_protected_dot_payload()
    {
        using var accountKey = KeyCurve.Generate();
        var binding = new ExternalAccountBinding("kid-1", MacKey);

        var jws = binding.Sign(accountKey, NewAccountUrl);

        var expected = HMACSHA256.HashData(MacKey, Encoding.ASCII.GetBytes(jws.Protected + "." + jws.Payload));
        Assert.Equal(expected, RfcBase64Url.Decode(jws.Signature));
    }

    [Theory]
    [InlineData(EabMacAlgorithm.HS384, "HS384")]
    [InlineData(EabMacAlgorithm.HS512, "HS512")]
    public void Hs384_and_hs512_name_their_alg_and_mac_with_that_hash(EabMacAlgorithm algorithm, string jwsName)
    {
        using var accountKey = KeyCurve.Generate();
        var binding = ExternalAccountBinding.FromBase64Url("kid-1", RfcBase64Url.Encode(MacKey), algorithm);

        var jws = binding.Sign(accountKey, NewAccountUrl);

        var signed = Encoding.ASCII.GetBytes(jws.Protected + "." + jws.Payload);
        byte[] expected = jwsName == "HS384" ? HMACSHA384.HashData(MacKey, signed) : HMACSHA512.HashData(MacKey, signed);
        Assert.Equal(expected, RfcBase64Url.Decode(jws.Signature));
        Assert.Equal(jwsName, JwsHeader.Of(jws).GetProperty("alg").GetString());
    }

    [Theory]
    [InlineData("HS256", EabMacAlgorithm.HS256)]
    [InlineData("hs384", EabMacAlgorithm.HS384)]
    [InlineData("HS512", EabMacAlgorithm.HS512)]
    public void Algorithm_names_are_read(string name, EabMacAlgorithm expected)
    {
        Assert.Equal(expected, EabMacAlgorithms.Parse(name));
    }

    [Theory]
    [InlineData("HS1")]
    [InlineData("RS256")]
    [InlineData("")]
    public void Other_algorithm_names_are_refused(string name)
    {
        Assert.Null(EabMacAlgorithms.Parse(name));
    }

    [Fact]
    public void Header_has_hs256_kid_and_url_and_no_nonce()
    {
        using var accountKey = KeyCurve.Generate();

        var header = JwsHeader.Of(new ExternalAccountBinding("kid-1", MacKey).Sign(accountKey, NewAccountUrl));

        Assert.Equal(["alg", "kid", "url"], header.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("HS256", header.GetProperty("alg").GetString());
        Assert.Equal("kid-1", header.GetProperty("kid").GetString());
        Assert.Equal(NewAccountUrl.AbsoluteUri, header.GetProperty("url").GetString());
    }

    [Fact]
    public void Payload_is_the_account_jwk()
    {
        using var accountKey = KeyCurve.Generate();
        var q = accountKey.ExportParameters(false).Q;

        var jws = new ExternalAccountBinding("kid-1", MacKey).Sign(accountKey, NewAccountUrl);

        using var payload = JsonDocument.Parse(RfcBase64Url.Decode(jws.Payload));
        var jwk = payload.RootElement;
        Assert.Equal("EC", jwk.GetProperty("kty").GetString());
        Assert.Equal("P-384", jwk.GetProperty("crv").GetString());
        Assert.Equal(RfcBase64Url.Encode(q.X!), jwk.GetProperty("x").GetString());
        Assert.Equal(RfcBase64Url.Encode(q.Y!), jwk.GetProperty("y").GetString());
        Assert.False(jwk.TryGetProperty("d", out _));
    }

    [Theory]
    [InlineData("zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W")]
    [InlineData("  zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W\n")]
    public void Mac_key_is_read_as_base64url(string macKey)
    {
        var binding = ExternalAccountBinding.FromBase64Url("kid-1", macKey);

        Assert.Equal(RfcBase64Url.Decode("zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"), binding.MacKey);
    }

    [Fact]
    public void Mac_key_in_padded_standard_base64_is_tolerated()
    {
        byte[] key = [0xFB, 0xFF, 0xBF, 0xFB];

        Assert.Equal(key, ExternalAccountBinding.FromBase64Url("kid", Convert.ToBase64String(key)).MacKey);
        Assert.Equal(key, ExternalAccountBinding.FromBase64Url("kid", "-_-_-w").MacKey);
    }

    [Theory]
    [InlineData("kid", "not base64!")]
    [InlineData("", "AAAA")]
    public void Unusable_binding_is_a_format_error(string keyId, string macKey)
    {
        Assert.Throws<FormatException>(() => ExternalAccountBinding.FromBase64Url(keyId, macKey));
    }

    [Fact]
    public void Text_form_never_shows_the_mac_key()
    {
        var binding = ExternalAccountBinding.FromBase64Url("kid-1", "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W");

        Assert.Contains("kid-1", binding.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("zWNDZM6e", binding.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("System.Byte", binding.ToString(), StringComparison.Ordinal);
    }
}
