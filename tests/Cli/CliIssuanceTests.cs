using System.Security.Cryptography.X509Certificates;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Cli;

/// <summary>The manual issuance flow, command by command through the published binary, and
/// revocation both ways.</summary>
public sealed class CliIssuanceTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>, IDisposable
{
    private readonly ManualConcorde admin = new(pebble.Server);

    public void Dispose() => admin.Dispose();

    [Fact]
    public async Task Manual_flow_issues_a_certificate_for_the_names_and_key_given()
    {
        var ct = admin.Deadline;
        var name = ManualConcorde.UniqueName();

        var accountKey = admin.PathOf("account.key");
        (await admin.RunAsync(ct, "keys", "create", accountKey)).Succeeded();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(accountKey));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", await File.ReadAllTextAsync(accountKey, ct), StringComparison.Ordinal);

        var created = (await admin.RunAsync(ct, "unreg", accountKey, admin.Directory, "create", "--contact", "admin@example.com")).Succeeded();
        var account = new ManualConcorde.Account(accountKey, created.Header("Account"));
        Assert.Equal("valid", created.Json().GetProperty("status").GetString());
        Assert.Equal("mailto:admin@example.com", created.Json().GetProperty("contact")[0].GetString());

        var ordered = (await admin.RegAsync(account, ct, "order", "create", $"dns|{name}")).Succeeded();
        var order = ordered.Header("Order");
        Assert.Equal("pending", ordered.Json().GetProperty("status").GetString());

        var authz = (await admin.RegAsync(account, ct, "order", "get-authz", order.AbsoluteUri, "0")).Succeeded();
        var authzUrl = authz.Header("Authorization");
        Assert.Equal(name, authz.Json().GetProperty("identifier").GetProperty("value").GetString());
        var challenge = ManualConcorde.ChallengeUrl(authz.Json(), "dns-01");

        // Pebble sends no Link rel="up" from a challenge to its authorization; --authz names it.
        var authorize = (await admin.RegAsync(account, ct, "challenge", challenge.AbsoluteUri, "authorize", "--authz", authzUrl.AbsoluteUri)).Succeeded();
        Assert.Equal($"_acme-challenge.{name}", authorize.Line("TXT record name"));
        Assert.Matches("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$", authorize.Line("Key authorization"));
        var challengeAlone = (await admin.RegAsync(account, ct, "challenge", challenge.AbsoluteUri, "authorize")).Succeeded();
        Assert.Equal(authorize.Line("Key authorization"), challengeAlone.Line("Key authorization"));
        Assert.Equal(authorize.Line("TXT record value"), challengeAlone.Line("TXT record value"));
        await pebble.Server.ChallengeServer.AddTxtAsync($"_acme-challenge.{name}.", authorize.Line("TXT record value"), ct);

        var validated = (await admin.RegAsync(account, ct, "challenge", challenge.AbsoluteUri, "validate")).Succeeded();
        Assert.Equal(challenge, validated.Header("Challenge"));
        Assert.Equal("valid", validated.Json().GetProperty("status").GetString());

        await admin.WaitUntilReadyAsync(account, order, ct);

        var certificateKey = admin.PathOf("cert.key");
        (await admin.RunAsync(ct, "key", "create", certificateKey)).Succeeded();
        var finalized = (await admin.RegAsync(account, ct, "order", "finalize", order.AbsoluteUri, certificateKey, name)).Succeeded();
        Assert.Equal(order, finalized.Header("Order"));
        Assert.Equal("valid", finalized.Json().GetProperty("status").GetString());

        var chain = (await admin.RegAsync(account, ct, "order", "get-cert", order.AbsoluteUri)).Succeeded();
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", chain.Stdout, StringComparison.Ordinal);
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPem(chain.Stdout);
        Assert.True(certificates.Count >= 2, "a chain: leaf and issuer");
        using var leaf = certificates[0];
        var names = CertificateNames.DnsNames(leaf).ToArray();
        Assert.Equal([name], names);
        using var certified = leaf.GetECDsaPublicKey()!;
        Assert.Equal(ManualConcorde.PublicKeyOf(certificateKey), certified.ExportSubjectPublicKeyInfo());
        Assert.Empty(chain.Stderr);

        // Finalizing a valid order again: fine with its key (a retry after a lost answer), refused with another.
        var again = (await admin.RegAsync(account, ct, "order", "finalize", order.AbsoluteUri, certificateKey, name)).Succeeded();
        Assert.Equal("valid", again.Json().GetProperty("status").GetString());
        var otherKey = await admin.CreateKeyAsync("other.key", ct);
        var otherKeyFinalize = (await admin.RegAsync(account, ct, "order", "finalize", order.AbsoluteUri, otherKey, name)).Failed(1);
        Assert.Contains("was already finalized with another key", otherKeyFinalize.Stderr, StringComparison.Ordinal);
        Assert.Empty(otherKeyFinalize.Stdout);
    }

    [Fact]
    public async Task Finalize_refuses_names_that_differ_from_the_order()
    {
        var ct = admin.Deadline;
        var account = await admin.CreateAccountAsync(ct);
        var name = ManualConcorde.UniqueName();
        var order = await admin.CreateOrderAsync(account, [name], ct);
        var certificateKey = await admin.CreateKeyAsync("cert.key", ct);

        var wrongNames = (await admin.RegAsync(account, ct, "order", "finalize", order.AbsoluteUri, certificateKey, "other.example.com")).Failed(1);
        Assert.Contains("must be exactly the order's identifiers", wrongNames.Stderr, StringComparison.Ordinal);

        var accountKeyAsCertificateKey = (await admin.RegAsync(account, ct, "order", "finalize", order.AbsoluteUri, account.KeyPath, name)).Failed(1);
        Assert.Contains("is the account key", accountKeyAsCertificateKey.Stderr, StringComparison.Ordinal);

        var notReady = (await admin.RegAsync(account, ct, "order", "finalize", order.AbsoluteUri, certificateKey, name)).Failed(1);
        Assert.Contains("urn:ietf:params:acme:error:orderNotReady", notReady.Stderr, StringComparison.Ordinal);

        var noCertificate = (await admin.RegAsync(account, ct, "order", "get-cert", order.AbsoluteUri)).Failed(1);
        Assert.Contains("is pending and has no certificate yet", noCertificate.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cert_revoke_with_the_account_key_records_the_reason()
    {
        var ct = admin.Deadline;
        var account = await admin.CreateAccountAsync(ct);
        var issued = await admin.IssueAsync(account, [ManualConcorde.UniqueName()], "http-01", ct);
        using var leaf = issued.Leaf();

        var revoked = (await admin.RegAsync(account, ct, "cert", "revoke", issued.PemPath, "--reason", "superseded")).Succeeded();

        Assert.Empty(revoked.Stdout);
        Assert.Contains("revoked the certificate with serial", revoked.Stderr, StringComparison.Ordinal);
        Assert.Equal(("Revoked", 4), await admin.CertificateStatusAsync(leaf, ct));
        var again = (await admin.RegAsync(account, ct, "cert", "revoke", issued.PemPath)).Failed(1);
        Assert.Contains("urn:ietf:params:acme:error:alreadyRevoked", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreg_revoke_is_signed_by_the_certificate_key()
    {
        var ct = admin.Deadline;
        var account = await admin.CreateAccountAsync(ct);
        var issued = await admin.IssueAsync(account, [ManualConcorde.UniqueName()], "dns-01", ct);
        using var leaf = issued.Leaf();

        var wrongKey = (await admin.RunAsync(ct, "unreg", account.KeyPath, admin.Directory, "revoke", issued.PemPath)).Failed(1);
        Assert.Contains("is not the private key of the certificate", wrongKey.Stderr, StringComparison.Ordinal);
        Assert.Equal("Valid", (await admin.CertificateStatusAsync(leaf, ct)).Status);

        (await admin.RunAsync(ct, "unreg", issued.CertificateKeyPath, admin.Directory, "revoke", issued.PemPath, "--reason", "1")).Succeeded();

        Assert.Equal(("Revoked", 1), await admin.CertificateStatusAsync(leaf, ct));
    }
}
