using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>A certificate and key already in the profile, but not recorded in shaman.json (another client's, or shaman's
/// own after its record was lost), are used until the certificate's renewal time instead of being replaced at once. A
/// key of another kind than P-384 serves its certificate, and is replaced (kept beside) when the renewal orders.</summary>
public sealed class ShamanAdoptionTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task An_unrecorded_current_certificate_beside_its_key_is_adopted_until_it_is_due()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("adopt");
        profile.Write(profile.Config(new() { [Challenge.Http01] = ShamanProfile.Http01 }, ShamanProfile.Domains(name)));
        (await profile.RunAsync()).Exited(0);
        using var issued = profile.AssertCertificate(name);
        // What another client leaves behind: the files, nothing recorded about them.
        profile.Update(config => config["domains"]![name] = new System.Text.Json.Nodes.JsonObject());

        var status = (await ShamanProcess.RunAsync(["--status", profile.Directory])).Exited(0);
        var adopting = (await profile.RunAsync()).Exited(0);
        var again = (await profile.RunAsync()).Exited(0);

        // --status asks the same decision: the certificate needs no attention, and nothing is ordered.
        Assert.Contains("(adopted)", status.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("order a certificate", status.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(adopting.Lines, l => l.Contains(": created order ", StringComparison.Ordinal));
        Assert.Single(adopting.Lines, l => l.StartsWith($"INFO {name}: adopted the certificate ", StringComparison.Ordinal));
        Assert.DoesNotContain(again.Lines, l => l.Contains("adopted", StringComparison.Ordinal) || l.Contains(": created order ", StringComparison.Ordinal));
        Assert.Null(profile.ReadDomain(name)["certificate_id"]);
        Assert.NotNull(profile.ReadDomain(name)["renewalInfo"]);

        profile.Update(config => config["renewal"] = 100000);
        var renewing = (await profile.RunAsync()).Exited(0);

        Assert.Single(renewing.Lines, l => l.Contains(": created order ", StringComparison.Ordinal));
        using var renewed = profile.AssertCertificate(name);
        Assert.NotEqual(issued.SerialNumber, renewed.SerialNumber);
        Assert.Null(profile.ReadDomain(name)["replaces"]);
    }

    [Theory]
    [InlineData("ECDSA P-256")]
    [InlineData("RSA 2048")]
    public async Task A_key_that_is_not_P384_serves_its_certificate_until_the_renewal_makes_a_new_P384_key(string kind)
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("adopt-key");
        profile.Write(profile.Config(new() { [Challenge.Http01] = ShamanProfile.Http01 }, ShamanProfile.Domains(name)));
        var keyPem = WriteOtherClientsFiles(profile, name, kind == "RSA 2048");

        var adopting = (await profile.RunAsync()).Exited(0);

        Assert.DoesNotContain(adopting.Lines, l => l.Contains(": created order ", StringComparison.Ordinal));
        Assert.Contains(adopting.Lines, l => l.StartsWith($"WARNING {name}: using the existing key file {ShamanProfile.KeyFile(name)} ({kind})", StringComparison.Ordinal));
        Assert.Contains(adopting.Lines, l => l.StartsWith($"INFO {name}: adopted the certificate ", StringComparison.Ordinal));
        Assert.Equal(ShamanProfile.KeyFile(name), profile.ReadDomain(name)["key"]!.GetValue<string>());
        Assert.Equal(keyPem, File.ReadAllText(profile.PathOf(ShamanProfile.KeyFile(name))));

        profile.Update(config => config["renewal"] = 100000);
        var renewing = (await profile.RunAsync()).Exited(0);

        profile.AssertRenewedWithNewP384Key(renewing, name, kind, keyPem);
    }

    /// <summary>A key of <paramref name="rsa"/>'s kind (else P-256) in PKCS#8, mode 0600, and a certificate for it naming
    /// <paramref name="name"/>, current for 60 days, issued by a throwaway CA (a self-issued certificate is a placeholder,
    /// never adopted) without an authority key identifier, so the CA has no renewal information (ARI) to give for it.
    /// Returns the key's PEM.</summary>
    private static string WriteOtherClientsFiles(ShamanProfile profile, string name, bool rsa)
    {
        using AsymmetricAlgorithm key = rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedName($"CN={name}");
        var request = key is RSA rsaKey
            ? new CertificateRequest(subject, rsaKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        request.CertificateExtensions.Add(names.Build());
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var issuer = new CertificateRequest("CN=another client's CA", issuerKey, HashAlgorithmName.SHA384)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-60), DateTimeOffset.UtcNow.AddDays(365));
        using var certificate = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey),
            DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(60), RandomNumberGenerator.GetBytes(16));
        var keyPem = key.ExportPkcs8PrivateKeyPem() + "\n";
        var keyPath = profile.PathOf(ShamanProfile.KeyFile(name));
        File.WriteAllText(keyPath, keyPem);
        File.SetUnixFileMode(keyPath, ShamanProfile.PrivateMode);
        File.WriteAllText(profile.PathOf(ShamanProfile.CertificateFile(name)), certificate.ExportCertificatePem() + "\n");
        return keyPem;
    }
}
