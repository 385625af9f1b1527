using Concorde.Acme.Wire;
using Concorde.Tests.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.ShamanFeatures;

/// <summary>Issue 6.1 without ARI, against Pebble (whose directory has no renewalInfo and whose certificates live
/// five years): `renewal` days decide when set, else a third of the lifetime; no ARI state is kept.</summary>
public sealed class ShamanFallbackRenewalTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task Renewal_days_renew_by_that_rule_and_leave_no_ari_state()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("fallback-days");
        profile.Write(profile.Config(new() { [Challenge.Http01] = ShamanProfile.Http01 }, ShamanProfile.Domains(name), renewal: 100000));
        (await profile.RunAsync()).Exited(0);
        using var first = profile.AssertCertificate(name);

        var second = (await profile.RunAsync()).Exited(0);

        Assert.Contains(second.Lines, l => l.StartsWith($"INFO {name}: certificate expires in ", StringComparison.Ordinal)
                                           && l.EndsWith("renewing at 100000 days before expiry (renewal)", StringComparison.Ordinal));
        Assert.Single(second.Lines, l => l.Contains(": created order ", StringComparison.Ordinal));
        using var renewed = profile.AssertCertificate(name);
        Assert.NotEqual(first.SerialNumber, renewed.SerialNumber);
        var domain = profile.ReadDomain(name);
        Assert.False(domain.ContainsKey("renewalInfo") || domain.ContainsKey("replaces"), domain.ToJsonString());
    }

    [Fact]
    public async Task Without_renewal_days_a_fresh_certificate_waits_for_a_third_of_its_lifetime_and_the_run_sends_nothing()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("fallback-third");
        profile.Write(profile.Config(new() { [Challenge.Http01] = ShamanProfile.Http01 }, ShamanProfile.Domains(name), renewal: null));
        (await profile.RunAsync()).Exited(0);
        using var leaf = profile.AssertCertificate(name);
        Assert.True(leaf.NotAfter - leaf.NotBefore > TimeSpan.FromDays(365), "Pebble's certificates are long-lived");
        var requests = PebbleTraffic.Requests(pebble.Server);
        var before = profile.Snapshot();

        var second = (await ShamanProcess.RunAsync(["--dry-run", profile.Directory])).Exited(0);
        var third = (await profile.RunAsync()).Exited(0);

        Assert.Contains(second.Lines, l => l.StartsWith($"{name}: would do nothing: valid for ", StringComparison.Ordinal)
                                           && l.EndsWith("at a third of the lifetime remaining", StringComparison.Ordinal));
        Assert.Empty(third.Lines);
        Assert.Equal(requests, PebbleTraffic.Requests(pebble.Server));
        Assert.Equal(before, profile.Snapshot());
    }
}
