using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Concorde.Tests.Support;

/// <summary>The names a certificate was issued for, from its one subjectAltName extension.</summary>
public static class CertificateNames
{
    public static IReadOnlyList<string> DnsNames(X509Certificate2 certificate) =>
        SubjectAlternativeName(certificate).EnumerateDnsNames().ToList();

    public static IReadOnlyList<IPAddress> IpAddresses(X509Certificate2 certificate) =>
        SubjectAlternativeName(certificate).EnumerateIPAddresses().ToList();

    private static X509SubjectAlternativeNameExtension SubjectAlternativeName(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
}
