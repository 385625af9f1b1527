using System.Globalization;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>`shaman --renew [--domain NAME]... [--new-key]` and `shaman --revoke NAME [--reason ...]` through the
/// published binary against Pebble: what changes at the CA and in the profile, and what is kept.</summary>
public sealed class ShamanRenewRevokeTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    /// <summary>RFC 5280 §5.3.1 keyCompromise.</summary>
    private const int KeyCompromise = 1;

    [Fact]
    public async Task Renew_orders_the_named_domain_now_for_the_same_key_and_leaves_the_others_current()
    {
        var (renewed, other) = (ShamanProfile.UniqueName("renew"), ShamanProfile.UniqueName("other"));
        using var profile = await IssuedAsync(renewed, other);
        using var before = profile.AssertCertificate(renewed);
        var key = KeyText(profile, renewed);
        var otherCertificate = profile.ReadDomain(other)["certificate_id"]!.GetValue<string>();

        var run = (await profile.RunAsync(["--renew", "--domain", renewed])).Exited(0);

        Assert.Single(run.Lines, l => l.Contains(": created order ", StringComparison.Ordinal));
        Assert.Contains(run.Lines, l => l.Contains($"{renewed}: certificate a renewal was asked for (--renew)", StringComparison.Ordinal));
        using var after = profile.AssertCertificate(renewed);
        Assert.NotEqual(before.SerialNumber, after.SerialNumber);
        Assert.Equal(key, KeyText(profile, renewed));
        Assert.Equal(otherCertificate, profile.ReadDomain(other)["certificate_id"]!.GetValue<string>());
        Assert.Empty(OldKeyFiles(profile, renewed));
    }

    [Fact]
    public async Task Renew_with_a_new_key_keeps_the_old_key_beside_it_private_and_renews_despite_the_backoff()
    {
        var name = ShamanProfile.UniqueName("newkey");
        using var profile = await IssuedAsync(name);
        using var before = profile.AssertCertificate(name);
        var oldKey = KeyText(profile, name);
        // A failure recorded a moment ago would hold an ordinary renewal back for an hour.
        profile.Update(root =>
        {
            var domain = root["domains"]![name]!.AsObject();
            domain["failures"] = 1;
            domain["lastFailure"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        });

        (await profile.RunAsync(["--renew", "--new-key"])).Exited(0);

        using var after = profile.AssertCertificate(name);
        Assert.NotEqual(before.SerialNumber, after.SerialNumber);
        Assert.NotEqual(oldKey, KeyText(profile, name));
        var kept = Assert.Single(OldKeyFiles(profile, name));
        Assert.Equal(oldKey, File.ReadAllText(kept));
        Assert.Equal(ShamanProfile.PrivateMode, File.GetUnixFileMode(kept));
        Assert.False(profile.ReadDomain(name).ContainsKey("failures"));
        profile.AssertNoTemporaryFiles();
    }

    /// <summary>Kill points: right after the new key took the file's place (shaman.json still names the old
    /// certificate), and right after shaman.json forgot the certificate.</summary>
    [Theory]
    [InlineData("--renew", "key")]
    [InlineData("--renew", "shaman.json")]
    [InlineData("--revoke", "key")]
    [InlineData("--revoke", "shaman.json")]
    public async Task A_new_key_run_killed_before_the_certificate_is_replaced_is_finished_by_the_next_plain_run_for_the_new_key(
        string verb, string killedAfter)
    {
        var name = ShamanProfile.UniqueName("killkey");
        using var profile = await IssuedAsync(name);
        using var before = profile.AssertCertificate(name);
        var file = killedAfter == "key" ? ShamanProfile.KeyFile(name) : "shaman.json";
        string[] args = verb == "--renew" ? ["--renew", "--new-key"] : ["--revoke", name, "--reason", "keyCompromise"];

        var killed = await profile.RunAsync(args, SaveKiller.Environment(file, 1));
        Assert.Equal(ShamanRun.KilledBySigkill, killed.ExitCode);
        var newKey = KeyText(profile, name);

        (await profile.RunAsync()).Exited(0);

        using var after = profile.AssertCertificate(name);
        Assert.NotEqual(before.SerialNumber, after.SerialNumber);
        Assert.Equal(newKey, KeyText(profile, name));
        Assert.Single(OldKeyFiles(profile, name));
        if (verb == "--revoke")
            Assert.Equal(("Revoked", KeyCompromise), await pebble.Server.Management.CertificateStatusAsync(before, CancellationToken.None));
    }

    [Fact]
    public async Task Revoke_for_key_compromise_revokes_at_the_CA_then_issues_for_a_new_key_and_leaves_the_other_domains_alone()
    {
        var (revoked, other) = (ShamanProfile.UniqueName("revoke"), ShamanProfile.UniqueName("other"));
        using var profile = await IssuedAsync(revoked, other);
        using var before = profile.AssertCertificate(revoked);
        var oldKey = KeyText(profile, revoked);
        var oldPem = File.ReadAllText(profile.PathOf(ShamanProfile.CertificateFile(revoked)));
        // Without its certificate file the other domain would be fetched or ordered by any run that looked at it.
        File.Delete(profile.PathOf(ShamanProfile.CertificateFile(other)));

        var run = (await profile.RunAsync(["--revoke", revoked, "--reason", "keyCompromise"])).Exited(0);

        Assert.Equal(("Revoked", KeyCompromise), await pebble.Server.Management.CertificateStatusAsync(before, CancellationToken.None));
        using var after = profile.AssertCertificate(revoked);
        Assert.NotEqual(before.SerialNumber, after.SerialNumber);
        Assert.Equal("Valid", (await pebble.Server.Management.CertificateStatusAsync(after, CancellationToken.None)).Status);
        Assert.NotEqual(oldKey, KeyText(profile, revoked));
        Assert.Equal(oldKey, File.ReadAllText(Assert.Single(OldKeyFiles(profile, revoked))));
        var setAside = Assert.Single(Directory.GetFiles(profile.Directory, $"{ShamanProfile.CertificateFile(revoked)}.revoked-*"));
        Assert.Equal(oldPem, File.ReadAllText(setAside));
        Assert.DoesNotContain(run.Lines, l => l.Contains(other, StringComparison.Ordinal));
        Assert.False(File.Exists(profile.PathOf(ShamanProfile.CertificateFile(other))));
        profile.AssertNoTemporaryFiles();
    }

    [Fact]
    public async Task Revoke_of_a_certificate_the_CA_revoked_already_goes_on_to_replace_it_with_the_same_key()
    {
        var name = ShamanProfile.UniqueName("again");
        using var profile = await IssuedAsync(name);
        using var before = profile.AssertCertificate(name);
        var key = KeyText(profile, name);
        using (var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server))
        using (var certificateKey = profile.LoadKey(ShamanProfile.KeyFile(name)))
            await acme.Client.RevokeWithCertificateKeyAsync(certificateKey, before.RawData, reason: null, acme.Cancellation);

        var run = (await profile.RunAsync(["--revoke", name, "--reason", "superseded"])).Exited(0);

        Assert.Contains(run.Lines, l => l.Contains("was revoked already", StringComparison.Ordinal));
        using var after = profile.AssertCertificate(name);
        Assert.NotEqual(before.SerialNumber, after.SerialNumber);
        Assert.Equal(key, KeyText(profile, name));
        Assert.Empty(OldKeyFiles(profile, name));
    }

    [Theory]
    [InlineData("--renew", "--domain", "missing.example.com")]
    [InlineData("--revoke", "missing.example.com")]
    [InlineData("--revoke", "UNISSUED")]
    public async Task A_name_the_profile_lacks_or_a_certificate_it_does_not_record_is_a_usage_error_that_changes_nothing(params string[] args)
    {
        using var profile = new ShamanProfile(pebble.Server);
        var unissued = ShamanProfile.UniqueName("unissued");
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, unissued));
        var before = profile.Snapshot();

        var run = (await profile.RunAsync([.. args.Select(a => a == "UNISSUED" ? unissued : a)])).Exited(2);

        Assert.Equal(before, profile.Snapshot());
        Assert.Contains(args[^1] == "UNISSUED" ? "records no certificate to revoke" : "no such domain", run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A profile whose domains all got their certificate in a first, plain run.</summary>
    private async Task<ShamanProfile> IssuedAsync(params string[] names)
    {
        var profile = new ShamanProfile(pebble.Server);
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, names));
        (await profile.RunAsync()).Exited(0);
        return profile;
    }

    private static string KeyText(ShamanProfile profile, string name) => File.ReadAllText(profile.PathOf(ShamanProfile.KeyFile(name)));

    private static string[] OldKeyFiles(ShamanProfile profile, string name) =>
        Directory.GetFiles(profile.Directory, $"{ShamanProfile.KeyFile(name)}.old-*");
}
