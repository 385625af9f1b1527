using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Concorde.Acme.Wire;

namespace Concorde.Acme.Crypto;

/// <summary>Builds the PKCS#10 request sent to finalize (RFC 8555 §7.4).</summary>
public static class CsrBuilder
{
    /// <summary>The longest common name X.520 allows (ub-common-name).</summary>
    private const int MaxCommonNameLength = 64;

    /// <summary>Every identifier goes into subjectAltName (DNS and IP, RFC 8738 §4); the subject carries a CN
    /// only when the first DNS name fits the 64-character limit, since the SAN is what matters.</summary>
    public static byte[] Build(ECDsa certificateKey, IReadOnlyList<Identifier> identifiers)
    {
        if (identifiers.Count == 0) throw new ArgumentException("a CSR needs at least one identifier", nameof(identifiers));
        var san = new SubjectAlternativeNameBuilder();
        foreach (var identifier in identifiers)
        {
            switch (identifier.Type)
            {
                case Identifier.Dns: san.AddDnsName(identifier.Value); break;
                case Identifier.Ip: san.AddIpAddress(IPAddress.Parse(identifier.Value)); break;
                default: throw new ArgumentException($"identifier type '{identifier.Type}' cannot go into a CSR", nameof(identifiers));
            }
        }
        var commonName = identifiers.FirstOrDefault(i => i.Type == Identifier.Dns)?.Value;
        var hasCommonName = commonName is { Length: <= MaxCommonNameLength };
        var request = new CertificateRequest(Subject(hasCommonName ? commonName : null), certificateKey, HashAlgorithmName.SHA384);
        // RFC 5280 §4.2.1.6: with an empty subject the subjectAltName extension must be critical.
        request.CertificateExtensions.Add(san.Build(critical: !hasCommonName));
        return request.CreateSigningRequest();
    }

    private static X500DistinguishedName Subject(string? commonName)
    {
        var builder = new X500DistinguishedNameBuilder();
        if (commonName is not null) builder.AddCommonName(commonName);
        return builder.Build();
    }
}
