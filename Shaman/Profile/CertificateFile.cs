using System.Text;
using Concorde.Acme;
using Concorde.Acme.Files;

namespace Concorde.Shaman;

/// <summary>The certificate file of a domain: the full PEM chain as the server sent it. Callers write it only once
/// <see cref="RenewalCheck.Mismatch"/> found it to be the domain's.</summary>
public static class CertificateFile
{
    /// <summary>The file's text, or null when it is missing, unreadable or implausibly large.</summary>
    public static Task<string?> ReadAsync(string path, CancellationToken ct) => SmallTextFile.TryReadAsync(path, CertificateChain.MaxPemBytes, ct);

    public static Task WriteAsync(string path, string pem, CancellationToken ct) =>
        AtomicFile.WriteAsync(path, Encoding.ASCII.GetBytes(pem), AtomicFile.PublicMode, overwrite: true, ct);
}
