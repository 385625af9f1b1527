using Concorde.Acme.Keys;

namespace Concorde.Shaman;

/// <summary>Reads what <see cref="RenewalCheck"/> needs from a domain's files, the same way for the no-op path, the
/// full path and `--status`: the certificate's facts and the public half of the domain's key.</summary>
public static class DomainFiles
{
    public static async Task<(CertificateFacts? Facts, string? Problem)> ReadCertificateAsync(string path, CancellationToken ct) =>
        CertificateFacts.Read(await CertificateFile.ReadAsync(path, ct));

    /// <summary>The key's SubjectPublicKeyInfo, read without importing the key when the file carries its public point
    /// (the usual case, and much cheaper); else from the imported key, of any kind (an adopted key may be another
    /// client's P-256 or RSA key). Null when the key is missing or unusable: the step that needs the key reports that.</summary>
    public static async Task<byte[]?> ReadKeyPublicInfoAsync(string path, CancellationToken ct)
    {
        if (await KeyFile.TryReadPemAsync(path, ct) is not { } pem) return null;
        return KeyFile.TryReadPublicKeyInfo(pem) ?? KeyFile.ReadAnyPublicKeyInfo(pem);
    }
}
