using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using Concorde.Acme;
using Concorde.Acme.Crypto;
using Concorde.Acme.Wire;

namespace Concorde.Shaman;

/// <summary>The fields of a certificate file that decide whether it is still good — validity, public key, names,
/// and the ARI identifier — read straight from the DER (RFC 5280 §4.1) without handing it to OpenSSL. The only
/// certificate reader behind <see cref="RenewalCheck"/>: a no-op run over a thousand domains spends its time here,
/// so it is kept cheap.</summary>
public sealed record CertificateFacts(
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    byte[] SubjectPublicKeyInfo,
    IReadOnlySet<string> DnsNames,
    IReadOnlySet<IPAddress> IpAddresses,
    string? AriCertificateId)
{
    /// <summary>Issuer and subject are the same name (RFC 5280 §6.1: self-issued): a placeholder an administrator
    /// made (snakeoil), never a certificate a CA issued for a domain.</summary>
    public bool SelfIssued { get; init; }

    private const string SubjectAltNameOid = "2.5.29.17";
    private const string AuthorityKeyIdentifierOid = "2.5.29.35";
    private static readonly Asn1Tag Version = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag Extensions = new(TagClass.ContextSpecific, 3, isConstructed: true);
    private static readonly Asn1Tag DnsName = new(TagClass.ContextSpecific, 2);
    private static readonly Asn1Tag IpAddress = new(TagClass.ContextSpecific, 7);
    private static readonly Asn1Tag KeyIdentifier = new(TagClass.ContextSpecific, 0);

    /// <summary>The leaf of a whole PEM chain; otherwise null and why, phrased to follow "the certificate …".</summary>
    public static (CertificateFacts? Facts, string? Problem) Read(string? pem)
    {
        if (pem is null) return (null, "is missing");
        if (CertificateChain.Problem(pem, parseCertificates: false) is { } chainProblem) return (null, $"holds {chainProblem}");
        return TryParseLeaf(pem) is { } facts ? (facts, null) : (null, "holds no readable PEM certificate");
    }

    private static CertificateFacts? TryParseLeaf(string pem)
    {
        if (!PemEncoding.TryFind(pem, out var fields) || pem[fields.Label] != "CERTIFICATE") return null;
        var der = new byte[fields.DecodedDataLength];
        if (!Convert.TryFromBase64Chars(pem.AsSpan()[fields.Base64Data], der, out var written)) return null;
        try
        {
            return Parse(der.AsMemory(0, written));
        }
        catch (Exception e) when (e is AsnContentException or ArgumentException or FormatException)
        {
            return null;
        }
    }

    private static CertificateFacts Parse(ReadOnlyMemory<byte> der)
    {
        var tbs = new AsnReader(der, AsnEncodingRules.DER).ReadSequence().ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Version)) tbs.ReadEncodedValue();
        var serial = tbs.ReadIntegerBytes().ToArray();
        tbs.ReadEncodedValue(); // signature
        var issuer = tbs.ReadEncodedValue();
        var validity = tbs.ReadSequence();
        var notBefore = ReadTime(validity);
        var notAfter = ReadTime(validity);
        var subject = tbs.ReadEncodedValue();
        var publicKey = tbs.ReadEncodedValue().ToArray();
        var dnsNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var addresses = new HashSet<IPAddress>();
        byte[]? authorityKeyId = null;
        while (tbs.HasData)
        {
            if (!tbs.PeekTag().HasSameClassAndValue(Extensions))
            {
                tbs.ReadEncodedValue();
                continue;
            }
            var extensions = tbs.ReadSequence(Extensions).ReadSequence();
            while (extensions.HasData)
            {
                var extension = extensions.ReadSequence();
                var oid = extension.ReadObjectIdentifier();
                if (oid is not (SubjectAltNameOid or AuthorityKeyIdentifierOid)) continue;
                if (extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean)) extension.ReadBoolean();
                var value = new AsnReader(extension.ReadOctetString(), AsnEncodingRules.DER).ReadSequence();
                if (oid == AuthorityKeyIdentifierOid)
                {
                    if (value.HasData && value.PeekTag().HasSameClassAndValue(KeyIdentifier))
                        authorityKeyId = value.ReadOctetString(KeyIdentifier);
                    continue;
                }
                while (value.HasData)
                {
                    var nameTag = value.PeekTag();
                    if (nameTag.HasSameClassAndValue(DnsName))
                        dnsNames.Add(value.ReadCharacterString(UniversalTagNumber.IA5String, nameTag));
                    else if (nameTag.HasSameClassAndValue(IpAddress))
                        addresses.Add(new IPAddress(value.ReadOctetString(nameTag)));
                    else
                        value.ReadEncodedValue();
                }
            }
        }
        var ariId = authorityKeyId is null ? null : CertificateId.For(authorityKeyId, serial);
        return new CertificateFacts(notBefore, notAfter, publicKey, dnsNames, addresses, ariId) { SelfIssued = issuer.Span.SequenceEqual(subject.Span) };
    }

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();

    /// <summary>The first identifier the certificate does not name, or null when it names them all.</summary>
    public Identifier? FirstMissing(IReadOnlyList<Identifier> identifiers) => identifiers.FirstOrDefault(identifier =>
        !(identifier.Type == Identifier.Ip ? IpAddresses.Contains(IPAddress.Parse(identifier.Value)) : DnsNames.Contains(identifier.Value)));
}
