using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>State the CA no longer knows — a reset test CA, a profile carried over from elsewhere — is replaced,
/// not failed on forever: an unknown order or certificate (Pebble answers 404 without a problem document) is
/// ordered anew, an unknown account is registered again with the same key.</summary>
public sealed class ShamanLostStateTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    private string Unknown(string kind) => $"{pebble.Server.DirectoryUrl.GetLeftPart(UriPartial.Authority)}/{kind}/doesnotexist{Guid.NewGuid():N}";

    private async Task<(ShamanProfile Profile, string Name)> IssuedAsync(string label)
    {
        var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName(label);
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, name));
        (await profile.RunAsync()).Exited(0);
        return (profile, name);
    }

    [Fact]
    public async Task An_order_the_ca_does_not_know_is_replaced_by_a_new_one()
    {
        var (profile, name) = await IssuedAsync("lost-order");
        using var _ = profile;
        // An order in flight when the CA forgot it: no certificate yet.
        var config = profile.Read();
        var stale = Unknown("my-order");
        config["domains"]![name]!["order_id"] = stale;
        config["domains"]![name]!.AsObject().Remove("certificate_id");
        profile.Write(config);
        File.Delete(profile.PathOf(ShamanProfile.CertificateFile(name)));

        var run = (await profile.RunAsync()).Exited(0);

        Assert.Contains($"INFO {name}: order {stale} was not found; starting a new one", run.Lines);
        Assert.Contains(run.Lines, l => l.StartsWith($"INFO {name}: created order ", StringComparison.Ordinal));
        Assert.Null(profile.ReadDomain(name)["order_id"]);
        using (profile.AssertCertificate(name)) { }
    }

    [Fact]
    public async Task A_certificate_the_ca_does_not_know_with_its_file_gone_is_ordered_again()
    {
        var (profile, name) = await IssuedAsync("lost-certificate");
        using var _ = profile;
        var config = profile.Read();
        var stale = Unknown("certZ");
        config["domains"]![name]!["certificate_id"] = stale;
        profile.Write(config);
        File.Delete(profile.PathOf(ShamanProfile.CertificateFile(name)));

        var run = (await profile.RunAsync()).Exited(0);

        Assert.Contains($"INFO {name}: certificate {stale} was not found; ordering a new one", run.Lines);
        Assert.NotEqual(stale, profile.ReadDomain(name)["certificate_id"]!.GetValue<string>());
        using (profile.AssertCertificate(name)) { }
    }

    [Fact]
    public async Task An_account_the_ca_does_not_know_is_registered_again_with_the_same_key()
    {
        var (profile, name) = await IssuedAsync("lost-account");
        using var _ = profile;
        var config = profile.Read();
        var account = config["account_id"]!.GetValue<string>();
        var keyPem = File.ReadAllText(profile.PathOf(ShamanProfile.AccountKeyFile));
        var stale = Unknown("my-account");
        config["account_id"] = stale;
        config["renewal"] = 100000; // due now, so the run must talk to the CA with the account
        profile.Write(config);

        var run = (await profile.RunAsync()).Exited(0);

        Assert.Contains($"WARNING the CA does not know account {stale}; registering the account key again", run.Lines);
        Assert.Contains($"INFO the CA already has an account for this key: {account}", run.Lines);
        // Pebble still knows the key's account: registering again finds it.
        Assert.Equal(account, profile.Read()["account_id"]!.GetValue<string>());
        Assert.Equal(keyPem, File.ReadAllText(profile.PathOf(ShamanProfile.AccountKeyFile)));
        Assert.Single(run.Lines, l => l.StartsWith($"INFO {name}: created order ", StringComparison.Ordinal));
        Assert.Empty(run.ErrorLines);
        using (profile.AssertCertificate(name)) { }
    }
}
