using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Concorde.Tests.Support;

/// <summary>
/// A throwaway ECDSA P-256 certificate authority plus a "localhost" TLS server certificate signed by it,
/// generated with the BCL only and written as PEM files into a directory:
/// <c>ca.pem</c> (CA certificate), <c>localhost.pem</c> (leaf certificate) and <c>localhost.key</c>
/// (leaf private key, PKCS#8 PEM). The leaf is valid for <c>localhost</c>, <c>127.0.0.1</c> and <c>::1</c>.
/// </summary>
public sealed class TestCertificateAuthority
{
    public const string CaFileName = "ca.pem";
    public const string LeafCertificateFileName = "localhost.pem";
    public const string LeafKeyFileName = "localhost.key";

    private TestCertificateAuthority(string directory, string caPem)
    {
        Directory = directory;
        CaPem = caPem;
    }

    /// <summary>The directory the PEM files were written to.</summary>
    public string Directory { get; }

    /// <summary>Path of the CA certificate PEM (the only certificate a client needs to trust).</summary>
    public string CaPemPath => Path.Combine(Directory, CaFileName);

    /// <summary>Path of the leaf (server) certificate PEM.</summary>
    public string LeafCertificatePemPath => Path.Combine(Directory, LeafCertificateFileName);

    /// <summary>Path of the leaf private key (PKCS#8 PEM).</summary>
    public string LeafKeyPemPath => Path.Combine(Directory, LeafKeyFileName);

    /// <summary>The CA certificate in PEM form.</summary>
    public string CaPem { get; }

    /// <summary>Loads a fresh copy of the CA certificate (public part only). The caller owns it.</summary>
    public X509Certificate2 LoadCaCertificate() => X509Certificate2.CreateFromPem(CaPem);

    /// <summary>Generates a new CA and localhost leaf and writes them into <paramref name="directory"/>.</summary>
    public static TestCertificateAuthority Create(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        System.IO.Directory.CreateDirectory(directory);

        var now = DateTimeOffset.UtcNow;
        var notBefore = now.AddHours(-1);
        var notAfter = now.AddDays(7);

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest(
            new X500DistinguishedName("CN=Concorde Test CA " + Convert.ToHexString(RandomNumberGenerator.GetBytes(4))),
            caKey,
            HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(
            certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        var caSki = new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, critical: false);
        caRequest.CertificateExtensions.Add(caSki);

        using var caCertificate = caRequest.CreateSelfSigned(notBefore, notAfter.AddDays(1));

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest(new X500DistinguishedName("CN=localhost"), leafKey, HashAlgorithmName.SHA256);
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(
            certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        leafRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], critical: false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        leafRequest.CertificateExtensions.Add(san.Build(critical: false));
        leafRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(leafRequest.PublicKey, critical: false));
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(caSki));

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // keep the serial number positive
        serial[0] |= 0x01; // and without a leading zero byte
        using var leafCertificate = leafRequest.Create(caCertificate, notBefore, notAfter, serial);

        var caPem = caCertificate.ExportCertificatePem() + "\n";
        var authority = new TestCertificateAuthority(directory, caPem);
        File.WriteAllText(authority.CaPemPath, caPem);
        File.WriteAllText(authority.LeafCertificatePemPath, leafCertificate.ExportCertificatePem() + "\n");
        File.WriteAllText(authority.LeafKeyPemPath, leafKey.ExportPkcs8PrivateKeyPem() + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(authority.LeafKeyPemPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return authority;
    }
}
