using System.Security.Cryptography.X509Certificates;

namespace Concorde.Acme;

/// <summary>A certificate chain as downloaded (RFC 8555 §7.4.2): PEM, leaf first, with the URLs of the
/// alternate chains the server offered in `Link: rel="alternate"`.</summary>
public sealed record CertificateChain(Uri Url, string Pem, IReadOnlyList<Uri> Alternates)
{
    public X509Certificate2Collection Certificates()
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(Pem);
        return collection;
    }

    public X509Certificate2 Leaf() => X509Certificate2.CreateFromPem(Pem);
}
