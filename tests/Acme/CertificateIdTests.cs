using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Concorde.Acme.Crypto;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>The ARI certificate identifier (RFC 9773 §4.1): base64url(AKI keyIdentifier) "." base64url(serial DER content).</summary>
public sealed class CertificateIdTests
{
    /// <summary>RFC 9773 Appendix A: AKI keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4,
    /// serial 0x87654321 (DER content 00 87 65 43 21).</summary>
    private const string Rfc9773ExampleCertificate = """
        -----BEGIN CERTIFICATE-----
        MIIBQzCB66ADAgECAgUAh2VDITAKBggqhkjOPQQDAjAVMRMwEQYDVQQDEwpFeGFt
        cGxlIENBMCIYDzAwMDEwMTAxMDAwMDAwWhgPMDAwMTAxMDEwMDAwMDBaMBYxFDAS
        BgNVBAMTC2V4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEeBZu
        7cbpAYNXZLbbh8rNIzuOoqOOtmxA1v7cRm//AwyMwWxyHz4zfwmBhcSrf47NUAFf
        qzLQ2PPQxdTXREYEnKMjMCEwHwYDVR0jBBgwFoAUaYhba4dGQEHhs3uEe6CuLN4B
        yNQwCgYIKoZIzj0EAwIDRwAwRAIge09+S5TZAlw5tgtiVvuERV6cT4mfutXIlwTb
        +FYN/8oCIClDsqBklhB9KAelFiYt9+6FDj3z4KGVelYM5MdsO3pK
        -----END CERTIFICATE-----
        """;

    private const string Rfc9773ExampleId = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";

    private static readonly byte[] Rfc9773KeyIdentifier = Convert.FromHexString("69885B6B87464041E1B37B847BA0AE2CDE01C8D4");

    [Fact]
    public void Identifier_of_the_rfc_9773_example_certificate_is_the_rfcs()
    {
        using var certificate = X509Certificate2.CreateFromPem(Rfc9773ExampleCertificate);

        Assert.Equal(Rfc9773ExampleId, CertificateId.For(certificate));
    }

    [Fact]
    public void Serial_with_the_high_bit_set_keeps_its_leading_zero_octet()
    {
        using var certificate = Issue(Rfc9773KeyIdentifier, serial: [0x00, 0x87, 0x65, 0x43, 0x21]);

        Assert.Equal(Rfc9773ExampleId, CertificateId.For(certificate));
    }

    [Fact]
    public void Serial_without_the_high_bit_has_no_padding_octet()
    {
        using var certificate = Issue([0x01, 0x02, 0x03], serial: [0x7F, 0x01]);

        Assert.Equal("AQID.fwE", CertificateId.For(certificate));
    }

    [Fact]
    public void Certificate_without_authority_key_identifier_has_no_identifier()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var selfSigned = new CertificateRequest("CN=no-aki.example", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));

        Assert.Throws<ArgumentException>(() => CertificateId.For(selfSigned));
    }

    /// <summary>A certificate with the given AKI keyIdentifier and serial (DER content octets).</summary>
    private static X509Certificate2 Issue(byte[] authorityKeyIdentifier, byte[] serial)
    {
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=example.com", leafKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(authorityKeyIdentifier));
        var now = DateTimeOffset.UtcNow;
        return request.Create(new X500DistinguishedName("CN=Example CA"), X509SignatureGenerator.CreateForECDsa(issuerKey),
            now, now.AddDays(1), serial);
    }
}
