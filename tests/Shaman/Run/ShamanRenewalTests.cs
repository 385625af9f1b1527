using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>A certificate within `renewal` days of expiry is replaced — atomically, for the same key.</summary>
public sealed class ShamanRenewalTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task Renewal_window_longer_than_the_lifetime_gives_a_new_certificate_for_the_same_key_each_run()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("renew");
        // Pebble's certificates live five years; 100000 days is always "within the window".
        profile.Write(profile.Config(new() { [Challenge.Http01] = ShamanProfile.Http01 }, ShamanProfile.Domains(name), renewal: 100000));
        var first = (await profile.RunAsync()).Exited(0);
        // A certificate issued in this run is not reconsidered, or this window would order without end.
        Assert.Single(first.Lines, l => l.Contains(": created order ", StringComparison.Ordinal));
        using var firstLeaf = profile.AssertCertificate(name);
        var firstCertificateId = profile.ReadDomain(name)["certificate_id"]!.GetValue<string>();
        var keyPem = File.ReadAllText(profile.PathOf(ShamanProfile.KeyFile(name)));
        var certificatePath = profile.PathOf(ShamanProfile.CertificateFile(name));
        var firstPem = File.ReadAllText(certificatePath);
        // A reader holding the old file open keeps seeing the old certificate when the new one is renamed into
        // place; a file rewritten in place would change (or be truncated) under it.
        await using var reader = new FileStream(certificatePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        var second = (await profile.RunAsync()).Exited(0);

        Assert.Single(second.Lines, l => l.Contains(": created order ", StringComparison.Ordinal));
        using var secondLeaf = profile.AssertCertificate(name);
        Assert.NotEqual(firstLeaf.SerialNumber, secondLeaf.SerialNumber);
        Assert.NotEqual(firstCertificateId, profile.ReadDomain(name)["certificate_id"]!.GetValue<string>());
        Assert.Equal(keyPem, File.ReadAllText(profile.PathOf(ShamanProfile.KeyFile(name))));
        Assert.Equal(firstPem, await new StreamReader(reader).ReadToEndAsync());
        Assert.NotEqual(firstPem, File.ReadAllText(certificatePath));
        profile.AssertNoTemporaryFiles();
    }
}
