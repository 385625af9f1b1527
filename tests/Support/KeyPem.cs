using System.Security.Cryptography;

namespace Concorde.Tests.Support;

/// <summary>Private keys as an administrator or openssl would leave them in a file.</summary>
public static class KeyPem
{
    /// <summary>A fresh P-384 key, PKCS#8 PEM with a final newline: a key shaman and concorde accept.</summary>
    public static string NewP384()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        return key.ExportPkcs8PrivateKeyPem() + "\n";
    }
}
