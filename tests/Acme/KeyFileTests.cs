using System.Security.Cryptography;
using Concorde.Acme.Crypto;
using Concorde.Acme.Keys;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>P-384 private keys on disk: what is written, what is read, and what is refused.</summary>
public sealed class KeyFileTests : IDisposable
{
    /// <summary>What `openssl ecparam -name secp384r1 -genkey` puts before the key: the curve's OID.</summary>
    private const string EcParametersP384 = "-----BEGIN EC PARAMETERS-----\nBgUrgQQAIg==\n-----END EC PARAMETERS-----\n";

    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task Saved_key_is_private_to_the_owner_and_loads_back_as_the_same_key()
    {
        var path = directory.Combine("account.key");
        using var key = KeyCurve.Generate();

        await KeyFile.SaveAsync(path, key, CancellationToken.None);
        using var loaded = await KeyFile.LoadAsync(path, CancellationToken.None);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", await File.ReadAllTextAsync(path), StringComparison.Ordinal);
        Assert.Equal(Jwk.Thumbprint(key), Jwk.Thumbprint(loaded));
        Assert.Equal(key.ExportPkcs8PrivateKey(), loaded.ExportPkcs8PrivateKey());
        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Save_refuses_to_overwrite_an_existing_file()
    {
        var path = directory.Combine("account.key");
        await File.WriteAllTextAsync(path, "precious");
        using var key = KeyCurve.Generate();

        var error = await Assert.ThrowsAsync<KeyFileException>(() => KeyFile.SaveAsync(path, key, CancellationToken.None));

        Assert.Equal(path, error.Path);
        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
        Assert.Equal("precious", await File.ReadAllTextAsync(path));
        Assert.Single(Directory.GetFiles(directory.Path));
    }

    [Fact]
    public async Task Save_refuses_a_directory()
    {
        var path = directory.Combine("keys");
        Directory.CreateDirectory(path);
        using var key = KeyCurve.Generate();

        var error = await Assert.ThrowsAsync<KeyFileException>(() => KeyFile.SaveAsync(path, key, CancellationToken.None));

        Assert.Equal(path, error.Path);
    }

    public static TheoryData<string, string> ReadableKeys()
    {
        using var key = KeyCurve.Generate();
        return new TheoryData<string, string>
        {
            { "pkcs8", key.ExportPkcs8PrivateKeyPem() },
            { "sec1", key.ExportECPrivateKeyPem() },
            { "sec1 after the EC PARAMETERS block openssl writes", EcParametersP384 + key.ExportECPrivateKeyPem() },
            { "pkcs8 with text around it", "a comment\n" + key.ExportPkcs8PrivateKeyPem() + "\ntrailing text\n" },
        };
    }

    [Theory]
    [MemberData(nameof(ReadableKeys))]
    public async Task Loads_p384_keys_in(string format, string pem)
    {
        var path = directory.Combine(format.Replace(' ', '-') + ".pem");
        await File.WriteAllTextAsync(path, pem);

        using var loaded = await KeyFile.LoadAsync(path, CancellationToken.None);

        Assert.True(KeyCurve.IsP384(loaded));
        Assert.Equal(48, loaded.ExportParameters(includePrivateParameters: true).D!.Length);
    }

    public static TheoryData<string, string, string> UnusableKeys()
    {
        using var rsa = RSA.Create(2048);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var p384 = KeyCurve.Generate();
        using var p521 = ECDsa.Create(ECCurve.NamedCurves.nistP521);
        return new TheoryData<string, string, string>
        {
            { "rsa-pkcs8", rsa.ExportPkcs8PrivateKeyPem(), "ECDSA" },
            { "rsa-pkcs1", rsa.ExportRSAPrivateKeyPem(), "RSA" },
            { "p256", p256.ExportPkcs8PrivateKeyPem(), "256 bits" },
            { "p521-sec1", p521.ExportECPrivateKeyPem(), "521 bits" },
            {
                "encrypted",
                p384.ExportEncryptedPkcs8PrivateKeyPem("secret", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)),
                "encrypted"
            },
            { "public", p384.ExportSubjectPublicKeyInfoPem(), "PUBLIC KEY" },
            { "garbage", "this is not a key\n", "no PEM block" },
            { "damaged", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "ECDSA" },
            { "empty", "", "no PEM block" },
        };
    }

    [Theory]
    [MemberData(nameof(UnusableKeys))]
    public async Task Refuses_to_load(string name, string content, string reason)
    {
        var path = directory.Combine(name + ".pem");
        await File.WriteAllTextAsync(path, content);

        var error = await Assert.ThrowsAsync<KeyFileException>(() => KeyFile.LoadAsync(path, CancellationToken.None));

        Assert.Equal(path, error.Path);
        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_to_load_a_directory()
    {
        var error = await Assert.ThrowsAsync<KeyFileException>(() => KeyFile.LoadAsync(directory.Path, CancellationToken.None));

        Assert.Equal(directory.Path, error.Path);
        Assert.Contains("directory", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_to_load_a_missing_file()
    {
        var path = directory.Combine("missing.key");

        var error = await Assert.ThrowsAsync<KeyFileException>(() => KeyFile.LoadAsync(path, CancellationToken.None));

        Assert.Equal(path, error.Path);
        Assert.Contains("no such", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_to_load_a_file_too_large_for_a_key()
    {
        var path = directory.Combine("disk.img");
        await File.WriteAllBytesAsync(path, new byte[1024 * 1024]);

        var error = await Assert.ThrowsAsync<KeyFileException>(() => KeyFile.LoadAsync(path, CancellationToken.None));

        Assert.Equal(path, error.Path);
        Assert.Contains("too large", error.Reason, StringComparison.Ordinal);
    }

    /// <summary>Another client's certificate key (certbot: P-256 in PKCS#8, RSA as PKCS#1 before 2.0) is matched to its
    /// certificate by its public key, and named for the message that it will not order; it never loads for ordering.</summary>
    [Theory]
    [InlineData("P-256 PKCS#8", "ECDSA P-256")]
    [InlineData("RSA PKCS#1", "RSA 2048")]
    [InlineData("P-384 SEC1", null)]
    public void Any_ECDSA_or_RSA_key_gives_its_public_key_info_and_kind_but_only_P384_loads(string form, string? kind)
    {
        using AsymmetricAlgorithm key = form.StartsWith("RSA", StringComparison.Ordinal) ? RSA.Create(2048)
            : ECDsa.Create(form.StartsWith("P-256", StringComparison.Ordinal) ? ECCurve.NamedCurves.nistP256 : ECCurve.NamedCurves.nistP384);
        var pem = key switch
        {
            RSA rsa => rsa.ExportRSAPrivateKeyPem(),
            ECDsa ec when kind is null => ec.ExportECPrivateKeyPem(),
            _ => key.ExportPkcs8PrivateKeyPem(),
        };

        var publicInfo = KeyFile.ReadAnyPublicKeyInfo(pem);

        Assert.Equal(key.ExportSubjectPublicKeyInfo(), publicInfo);
        Assert.Equal(kind, KeyCurve.OtherKind(publicInfo!));
        if (kind is null) KeyFile.Parse("k.pem", pem).Dispose();
        else Assert.Throws<KeyFileException>(() => KeyFile.Parse("k.pem", pem));
    }

    [Fact]
    public void Text_without_a_private_key_gives_no_public_key_info()
    {
        Assert.Null(KeyFile.ReadAnyPublicKeyInfo("not a key"));
        Assert.Null(KeyFile.ReadAnyPublicKeyInfo("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
    }
}
