using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Concorde.Acme;

/// <summary>A certificate chain as downloaded (RFC 8555 §7.4.2): PEM, leaf first, with the URLs of the
/// alternate chains the server offered in `Link: rel="alternate"`.</summary>
public sealed record CertificateChain(Uri Url, string Pem, IReadOnlyList<Uri> Alternates)
{
    /// <summary>Far more than any real chain (a few KiB). One limit for the download and for reading the file back: a
    /// chain accepted from the CA must be one the next run can read, or every run would fetch and deploy it again.</summary>
    public const int MaxPemBytes = 1024 * 1024;

    public X509Certificate2Collection Certificates()
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(Pem);
        return collection;
    }

    public X509Certificate2 Leaf() => X509Certificate2.CreateFromPem(Pem);

    /// <summary>Why <paramref name="pem"/> is not a whole chain, or null. §9.1: "one or more certificates encoded
    /// with the PEM textual encoding ... MUST NOT include explanatory text". Anything but whitespace around the
    /// blocks, another kind of block, or a block that is not a complete DER structure is typically a body or a
    /// file cut short, whose first certificates would otherwise pass for the whole chain. With
    /// <paramref name="parseCertificates"/> each certificate is also parsed, which costs an OpenSSL call each.</summary>
    public static string? Problem(string pem, bool parseCertificates)
    {
        var rest = pem.AsSpan();
        var certificates = 0;
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (!rest[..fields.Location.Start.Value].IsWhiteSpace())
                return "text outside the PEM blocks of its certificate chain";
            if (!rest[fields.Label].SequenceEqual("CERTIFICATE"))
                return $"a {rest[fields.Label]} PEM block in its certificate chain";
            var der = new byte[fields.DecodedDataLength];
            if (!Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out var written)
                || !IsDerSequence(der.AsSpan(0, written)) || (parseCertificates && !IsCertificate(der)))
                return $"an unreadable certificate (number {certificates + 1} of its chain)";
            certificates++;
            rest = rest[fields.Location.End.Value..];
        }
        if (certificates == 0) return "no PEM certificate";
        return rest.IsWhiteSpace() ? null : "a certificate chain that ends in the middle of a certificate (cut short?)";
    }

    /// <summary>Whether <paramref name="der"/> is exactly one DER SEQUENCE, the outer shape of every certificate:
    /// what can be said of a certificate without OpenSSL, which a run with nothing to do never loads.</summary>
    public static bool IsDerSequence(ReadOnlySpan<byte> der)
    {
        try
        {
            var tag = Asn1Tag.Decode(der, out _);
            AsnDecoder.ReadEncodedValue(der, AsnEncodingRules.DER, out _, out _, out var consumed);
            return tag.HasSameClassAndValue(Asn1Tag.Sequence) && consumed == der.Length;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    private static bool IsCertificate(byte[] der)
    {
        try
        {
            using var certificate = X509CertificateLoader.LoadCertificate(der);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
