using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using Concorde.Acme.Wire;

namespace Concorde.Shaman;

/// <summary>The few fields of a leaf certificate that decide whether it is still good — validity, public key,
/// names — read straight from the DER (RFC 5280 §4.1) without handing it to OpenSSL. A no-op run over a
/// thousand domains spends its time here, so this is kept cheap; anything unusual returns null and the
/// caller falls back to the full check.</summary>
public sealed record CertificateSummary(
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    byte[] SubjectPublicKeyInfo,
    IReadOnlySet<string> DnsNames,
    IReadOnlySet<IPAddress> IpAddresses)
{
    private const string SubjectAltNameOid = "2.5.29.17";
    private static readonly Asn1Tag Version = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag Extensions = new(TagClass.ContextSpecific, 3, isConstructed: true);
    private static readonly Asn1Tag DnsName = new(TagClass.ContextSpecific, 2);
    private static readonly Asn1Tag IpAddress = new(TagClass.ContextSpecific, 7);

    /// <summary>The first certificate of a PEM chain, or null.</summary>
    public static CertificateSummary? TryParse(string pem)
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

    private static CertificateSummary Parse(ReadOnlyMemory<byte> der)
    {
        var tbs = new AsnReader(der, AsnEncodingRules.DER).ReadSequence().ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Version)) tbs.ReadEncodedValue();
        tbs.ReadEncodedValue(); // serialNumber
        tbs.ReadEncodedValue(); // signature
        tbs.ReadEncodedValue(); // issuer
        var validity = tbs.ReadSequence();
        var notBefore = ReadTime(validity);
        var notAfter = ReadTime(validity);
        tbs.ReadEncodedValue(); // subject
        var publicKey = tbs.ReadEncodedValue().ToArray();
        var dnsNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var addresses = new HashSet<IPAddress>();
        while (tbs.HasData)
        {
            var tag = tbs.PeekTag();
            if (!tag.HasSameClassAndValue(Extensions))
            {
                tbs.ReadEncodedValue();
                continue;
            }
            var extensions = tbs.ReadSequence(Extensions).ReadSequence();
            while (extensions.HasData)
            {
                var extension = extensions.ReadSequence();
                if (extension.ReadObjectIdentifier() != SubjectAltNameOid) continue;
                if (extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean)) extension.ReadBoolean();
                var names = new AsnReader(extension.ReadOctetString(), AsnEncodingRules.DER).ReadSequence();
                while (names.HasData)
                {
                    var nameTag = names.PeekTag();
                    if (nameTag.HasSameClassAndValue(DnsName))
                        dnsNames.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, nameTag));
                    else if (nameTag.HasSameClassAndValue(IpAddress))
                        addresses.Add(new IPAddress(names.ReadOctetString(nameTag)));
                    else
                        names.ReadEncodedValue();
                }
            }
        }
        return new CertificateSummary(notBefore, notAfter, publicKey, dnsNames, addresses);
    }

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();

    public bool Covers(IReadOnlyList<Identifier> identifiers) => identifiers.All(identifier =>
        identifier.Type == Identifier.Ip ? IpAddresses.Contains(IPAddress.Parse(identifier.Value)) : DnsNames.Contains(identifier.Value));
}
