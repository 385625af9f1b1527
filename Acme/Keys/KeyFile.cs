using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using Concorde.Acme.Crypto;
using Concorde.Acme.Files;

namespace Concorde.Acme.Keys;

/// <summary>P-384 private keys on disk as PEM: PKCS#8 `PRIVATE KEY` written, SEC1 `EC PRIVATE KEY` also read.</summary>
public static class KeyFile
{
    /// <summary>Larger than any PEM key; protects against reading a wrong path such as a disk image.</summary>
    private const long MaxKeyFileBytes = 64 * 1024;

    public static async Task<ECDsa> LoadAsync(string path, CancellationToken ct)
    {
        string text;
        try
        {
            var info = new FileInfo(path);
            if (Directory.Exists(path)) throw new KeyFileException(path, "is a directory, not a key file");
            if (!info.Exists) throw new KeyFileException(path, "no such key file");
            if (info.Length > MaxKeyFileBytes) throw new KeyFileException(path, $"is {info.Length} bytes, too large for a PEM key");
            ct.ThrowIfCancellationRequested();
            text = SmallTextFile.Read(path, MaxKeyFileBytes);
        }
        catch (RegularFileException e)
        {
            throw new KeyFileException(path, e.Reason, e);
        }
        catch (Exception e) when (ExpectedFailure.IsFileProblem(e))
        {
            throw new KeyFileException(path, $"cannot be read ({e.Message})", e);
        }
        return Parse(path, text);
    }

    /// <summary>Parses PEM text; <paramref name="path"/> only names the source in errors.</summary>
    public static ECDsa Parse(string path, string pem)
    {
        var label = FirstKeyLabel(pem)
            ?? throw new KeyFileException(path, "contains no PEM block; expected a P-384 key in PEM (\"-----BEGIN PRIVATE KEY-----\")");
        switch (label)
        {
            case "ENCRYPTED PRIVATE KEY":
                throw new KeyFileException(path, "is encrypted; concorde needs an unencrypted P-384 key (decrypt it with `openssl pkey`)");
            case "RSA PRIVATE KEY":
                throw new KeyFileException(path, "is an RSA key; concorde uses only ECDSA P-384 keys (create one with `concorde keys create`)");
            case "PRIVATE KEY":
            case "EC PRIVATE KEY":
                break;
            default:
                throw new KeyFileException(path, $"holds a \"{label}\" PEM block, not a private key");
        }
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            throw new KeyFileException(path, "is not an ECDSA private key (RSA, Ed25519 or damaged); concorde uses only P-384 keys", e);
        }
        catch (ArgumentException e)
        {
            key.Dispose();
            throw new KeyFileException(path, "is not a valid PEM private key", e);
        }
        if (!KeyCurve.IsP384(key))
        {
            var size = key.KeySize;
            key.Dispose();
            throw new KeyFileException(path, $"is an ECDSA key of {size} bits; concorde uses only P-384 keys");
        }
        return key;
    }

    /// <summary>The label of the first PEM block, skipping the "EC PARAMETERS" block that `openssl ecparam -genkey`
    /// writes before the "EC PRIVATE KEY" (ImportFromPem skips it too).</summary>
    private static string? FirstKeyLabel(string pem) => FirstKeyBlock(pem)?.Label;

    private static (string Label, byte[] Der)? FirstKeyBlock(string pem)
    {
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label];
            if (!label.SequenceEqual("EC PARAMETERS"))
            {
                var der = new byte[fields.DecodedDataLength];
                return Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out var written)
                    ? (label.ToString(), der[..written])
                    : (label.ToString(), []);
            }
            rest = rest[fields.Location.End..];
        }
        return null;
    }

    /// <summary>The key file's PEM text without importing it, or null when it is missing, unreadable or too
    /// large; for decisions that need only the public key (<see cref="TryReadPublicKeyInfo"/>).</summary>
    public static Task<string?> TryReadPemAsync(string path, CancellationToken ct) =>
        SmallTextFile.TryReadAsync(path, MaxKeyFileBytes, ct);

    /// <summary>The SubjectPublicKeyInfo (DER) of a P-384 key in PEM, read from the public key that PKCS#8 and
    /// SEC1 files carry beside the private scalar, without importing the key (which costs a scalar
    /// multiplication in OpenSSL). Null when the file does not carry it or is not such a key; then load it.</summary>
    public static byte[]? TryReadPublicKeyInfo(string pem)
    {
        try
        {
            if (FirstKeyBlock(pem) is not ({ } label, { } der) || label is not ("PRIVATE KEY" or "EC PRIVATE KEY")) return null;
            string? curve = null;
            var ecPrivateKey = der;
            if (label == "PRIVATE KEY")
            {
                // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier { id-ecPublicKey, namedCurve }, OCTET STRING ECPrivateKey, ... }
                var info = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
                info.ReadInteger();
                var algorithm = info.ReadSequence();
                if (algorithm.ReadObjectIdentifier() != EcPublicKeyOid) return null;
                curve = algorithm.ReadObjectIdentifier();
                ecPrivateKey = info.ReadOctetString();
            }
            // ECPrivateKey ::= SEQUENCE { version, privateKey OCTET STRING, [0] parameters OPTIONAL, [1] publicKey OPTIONAL }
            var key = new AsnReader(ecPrivateKey, AsnEncodingRules.DER).ReadSequence();
            key.ReadInteger();
            key.ReadOctetString();
            byte[]? point = null;
            while (key.HasData)
            {
                var tag = key.PeekTag();
                if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
                    curve ??= key.ReadSequence(tag).ReadObjectIdentifier();
                else if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1)))
                    point = key.ReadSequence(tag).ReadBitString(out _);
                else
                    key.ReadEncodedValue();
            }
            if (point is null || curve != KeyCurve.P384Oid) return null;
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(EcPublicKeyOid);
                    writer.WriteObjectIdentifier(curve);
                }
                writer.WriteBitString(point);
            }
            return writer.Encode();
        }
        catch (Exception e) when (e is AsnContentException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    private const string EcPublicKeyOid = "1.2.840.10045.2.1";

    /// <summary>The SubjectPublicKeyInfo of any unencrypted ECDSA or RSA private key in PEM — another client's (certbot
    /// makes P-256 keys, before 2.0 RSA 2048) — to match it to its certificate; such a key is never loaded for ordering
    /// (<see cref="Parse"/> refuses it). Null when the text holds neither.</summary>
    public static byte[]? ReadAnyPublicKeyInfo(string pem)
    {
        if (FirstKeyLabel(pem) is not ("PRIVATE KEY" or "EC PRIVATE KEY" or "RSA PRIVATE KEY")) return null;
        try
        {
            using var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return ec.ExportSubjectPublicKeyInfo();
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            // Not an ECDSA key: RSA is the only other kind a certificate's key is expected to be.
        }
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return rsa.ExportSubjectPublicKeyInfo();
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    public static string ToPem(ECDsa key) => key.ExportPkcs8PrivateKeyPem() + "\n";

    /// <summary>Writes the key as PKCS#8 PEM, mode 0600 from creation. Refuses to replace an existing file:
    /// a lost private key cannot be recovered.</summary>
    public static async Task SaveAsync(string path, ECDsa key, CancellationToken ct)
    {
        if (File.Exists(path) || Directory.Exists(path))
            throw new KeyFileException(path, "already exists; refusing to overwrite a key");
        try
        {
            await AtomicFile.WriteAsync(path, Encoding.ASCII.GetBytes(ToPem(key)), AtomicFile.PrivateMode, overwrite: false, ct);
        }
        catch (Exception e) when (ExpectedFailure.IsFileProblem(e))
        {
            throw new KeyFileException(path, File.Exists(path) ? "already exists; refusing to overwrite a key" : $"cannot be written ({e.Message})", e);
        }
    }
}
