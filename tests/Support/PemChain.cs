using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Concorde.Tests.Support;

/// <summary>A certificate file read strictly: every PEM block is a CERTIFICATE that parses, nothing but
/// whitespace lies between or around them (a file cut short leaves a block without its END line), there is a
/// leaf and at least one issuer, and each certificate is issued by the next.</summary>
internal sealed class PemChain
{
    private PemChain(string text, IReadOnlyList<X509Certificate2> certificates)
    {
        Text = text;
        Certificates = certificates;
    }

    public string Text { get; }
    public IReadOnlyList<X509Certificate2> Certificates { get; }
    public X509Certificate2 Leaf => Certificates[0];

    public static PemChain Read(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>The chain, or a failed assertion saying what is wrong with <paramref name="where"/>.</summary>
    public static PemChain Parse(string text, string where)
    {
        var certificates = new List<X509Certificate2>();
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            Assert.True(rest[..fields.Location.Start].IsWhiteSpace(), $"{where}: text outside a PEM block: {rest[..fields.Location.Start].ToString()}");
            Assert.True(rest[fields.Label].SequenceEqual("CERTIFICATE"), $"{where}: a \"{rest[fields.Label].ToString()}\" block in a certificate file");
            var der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
            certificates.Add(X509CertificateLoader.LoadCertificate(der));
            rest = rest[fields.Location.End..];
        }
        Assert.True(rest.IsWhiteSpace(), $"{where}: an incomplete PEM block or trailing text: {rest.ToString()}");
        Assert.True(certificates.Count >= 2, $"{where}: {certificates.Count} certificate(s); the file must hold the leaf and its chain");
        for (var i = 0; i + 1 < certificates.Count; i++)
            Assert.True(certificates[i].IssuerName.RawData.AsSpan().SequenceEqual(certificates[i + 1].SubjectName.RawData),
                $"{where}: certificate {i} is not issued by certificate {i + 1}");
        return new PemChain(text, certificates);
    }

    /// <summary>The leaf is for <paramref name="key"/> and names <paramref name="name"/> (DNS names compare
    /// case-insensitively).</summary>
    public void AssertBelongsTo(ECDsa key, string name)
    {
        using var leafKey = Leaf.GetECDsaPublicKey();
        Assert.True(leafKey is not null, "the leaf has no ECDSA key");
        Assert.Equal(Convert.ToHexString(key.ExportSubjectPublicKeyInfo()), Convert.ToHexString(leafKey.ExportSubjectPublicKeyInfo()));
        var names = CertificateNames.DnsNames(Leaf);
        Assert.Contains(name, names, StringComparer.OrdinalIgnoreCase);
    }
}
