using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Concorde.Acme;
using Concorde.Acme.Files;

namespace Concorde.Cli;

/// <summary>Reads the certificate named on the command line: the first certificate of a PEM file, which for
/// a chain as ACME delivers it (RFC 8555 §7.4.2) is the end-entity certificate.</summary>
internal static class CertificatePem
{
    public static async Task<X509Certificate2> LoadAsync(string path, CancellationToken ct)
    {
        string pem;
        try
        {
            if (Directory.Exists(path)) throw new IOException($"{path}: is a directory, not a certificate file");
            ct.ThrowIfCancellationRequested();
            pem = SmallTextFile.Read(path, CertificateChain.MaxPemBytes);
        }
        catch (FileNotFoundException e)
        {
            throw new IOException($"{path}: no such certificate file", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"{path}: cannot be read ({e.Message})", e);
        }
        try
        {
            return X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new FileContentException($"{path}: contains no PEM certificate (\"-----BEGIN CERTIFICATE-----\")", e);
        }
    }
}
