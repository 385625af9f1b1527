using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Concorde.Acme.Crypto;
using Concorde.Acme.Wire;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>The PKCS#10 request sent to finalize (RFC 8555 §7.4, RFC 8738 §4 for IP addresses).</summary>
public sealed class CsrBuilderTests
{
    [Fact]
    public void Every_identifier_is_a_subject_alternative_name_and_the_first_dns_name_is_the_common_name()
    {
        using var key = KeyCurve.Generate();

        var request = Load(CsrBuilder.Build(key, [Identifier.ForIp(IPAddress.Loopback), Identifier.ForDns("a.example.com"), Identifier.ForDns("b.example.com")]));

        Assert.Equal("CN=a.example.com", request.SubjectName.Name);
        var san = SubjectAlternativeName(request);
        Assert.False(san.Critical);
        Assert.Equal(["a.example.com", "b.example.com"], san.EnumerateDnsNames());
        Assert.Equal([IPAddress.Loopback], san.EnumerateIPAddresses());
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), request.PublicKey.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void Ip_address_alone_gives_an_empty_subject_and_a_critical_subject_alternative_name()
    {
        using var key = KeyCurve.Generate();

        var request = Load(CsrBuilder.Build(key, [Identifier.ForName("::1")]));

        Assert.Equal("", request.SubjectName.Name);
        var san = SubjectAlternativeName(request);
        Assert.True(san.Critical, "RFC 5280 §4.2.1.6: with an empty subject the extension is critical");
        Assert.Equal([IPAddress.IPv6Loopback], san.EnumerateIPAddresses());
        Assert.Empty(san.EnumerateDnsNames());
    }

    [Fact]
    public void Dns_name_longer_than_64_characters_is_not_a_common_name()
    {
        using var key = KeyCurve.Generate();
        var longName = new string('a', 60) + ".example.com";

        var request = Load(CsrBuilder.Build(key, [Identifier.ForDns(longName)]));

        Assert.Equal("", request.SubjectName.Name);
        Assert.True(SubjectAlternativeName(request).Critical);
        Assert.Equal([longName], SubjectAlternativeName(request).EnumerateDnsNames());
    }

    [Fact]
    public void Identifier_types_a_certificate_cannot_hold_are_refused()
    {
        using var key = KeyCurve.Generate();

        Assert.Throws<ArgumentException>(() => CsrBuilder.Build(key, [new Identifier("email", "a@example.com")]));
        Assert.Throws<ArgumentException>(() => CsrBuilder.Build(key, []));
    }

    /// <summary>Parses the request, checks its ES384 self-signature and keeps its extensions.</summary>
    private static CertificateRequest Load(byte[] der) =>
        CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA384, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);

    private static X509SubjectAlternativeNameExtension SubjectAlternativeName(CertificateRequest request)
    {
        var extension = Assert.Single(request.CertificateExtensions, e => e.Oid?.Value == "2.5.29.17");
        return new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
    }
}
