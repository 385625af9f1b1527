using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Concorde.Acme;
using Concorde.Acme.Files;
using Concorde.Acme.Wire;

namespace Concorde.Shaman;

/// <summary>The certificate file of a domain: the full PEM chain as the server sent it. Nothing is written
/// unless the leaf belongs to the domain's key and covers the domain's names.</summary>
public static class CertificateFile
{
    private const long MaxFileBytes = 1024 * 1024;

    /// <summary>The leaf of a PEM chain when it matches <paramref name="key"/> and names every identifier;
    /// otherwise null and the reason.</summary>
    public static (X509Certificate2? Leaf, string? Problem) Check(string pem, ECDsa key, IReadOnlyList<Identifier> identifiers)
    {
        if (CertificateChain.Problem(pem, parseCertificates: false) is { } chainProblem)
            return (null, $"holds {chainProblem}");
        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException)
        {
            return (null, "holds no readable PEM certificate");
        }
        using var leafKey = leaf.GetECDsaPublicKey();
        if (leafKey is null || !leafKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            return (null, "belongs to a different key than the domain's private key");
        var san = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        var dnsNames = san?.EnumerateDnsNames().ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
        var addresses = san?.EnumerateIPAddresses().ToHashSet() ?? [];
        foreach (var identifier in identifiers)
        {
            var covered = identifier.Type == Identifier.Ip
                ? addresses.Contains(IPAddress.Parse(identifier.Value))
                : dnsNames.Contains(identifier.Value);
            if (!covered) return (null, $"does not cover {identifier.Value}");
        }
        return (leaf, null);
    }

    /// <summary>The file's text, or null when it is missing, unreadable or implausibly large.</summary>
    public static Task<string?> ReadAsync(string path, CancellationToken ct) => SmallTextFile.TryReadAsync(path, MaxFileBytes, ct);

    public static Task WriteAsync(string path, string pem, CancellationToken ct) =>
        AtomicFile.WriteAsync(path, Encoding.ASCII.GetBytes(pem), AtomicFile.PublicMode, overwrite: true, ct);
}
