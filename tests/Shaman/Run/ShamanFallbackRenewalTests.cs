using System.Globalization;
using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>Renewal without ARI, against Pebble (whose directory has no renewalInfo and whose certificates live
/// five years): `renewal` days decide when set, else a third of the lifetime; the only ARI state kept is when to
/// ask the CA again (daily: it may start offering ARI).</summary>
public sealed class ShamanFallbackRenewalTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task Renewal_days_renew_by_that_rule_and_keep_no_ari_window()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("fallback-days");
        profile.Write(profile.Config(new() { [Challenge.Http01] = ShamanProfile.Http01 }, ShamanProfile.Domains(name), renewal: 100000));
        var firstRun = (await profile.RunAsync()).Exited(0);
        using var first = profile.AssertCertificate(name);

        var second = (await profile.RunAsync()).Exited(0);

        // A window longer than the lifetime renews at every run: the run that decides so says why, once.
        Assert.DoesNotContain(firstRun.Lines, l => l.StartsWith("WARNING ", StringComparison.Ordinal));
        var lifetime = (first.NotAfter - first.NotBefore).TotalDays;
        Assert.Equal([$"WARNING {name}: \"renewal\" (100000 days) is not shorter than the certificate's lifetime ({lifetime:0.##} days), " +
                      "so every run orders a new certificate; set fewer days, or remove \"renewal\" to renew when a third of the lifetime remains"],
            second.Lines.Where(l => l.StartsWith("WARNING ", StringComparison.Ordinal)));

        Assert.Contains(second.Lines, l => l.StartsWith($"INFO {name}: certificate expires in ", StringComparison.Ordinal)
                                           && l.EndsWith("renewing at 100000 days before expiry (renewal)", StringComparison.Ordinal));
        Assert.Single(second.Lines, l => l.Contains(": created order ", StringComparison.Ordinal));
        using var renewed = profile.AssertCertificate(name);
        Assert.NotEqual(first.SerialNumber, renewed.SerialNumber);
        var domain = profile.ReadDomain(name);
        Assert.False(domain.ContainsKey("replaces"), domain.ToJsonString());
        Assert.Equal(["checkAfter"], domain["renewalInfo"]!.AsObject().Select(field => field.Key));
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
        Assert.Equal(requests, await PebbleTraffic.SettledRequestsAsync(pebble.Server));
        Assert.Equal(before, profile.Snapshot());
    }

    [Fact]
    public async Task Without_ari_a_fresh_certificate_is_asked_about_daily_and_a_migrated_one_costs_one_directory_fetch()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("no-ari");
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, name));
        var started = DateTimeOffset.UtcNow;

        (await profile.RunAsync()).Exited(0);

        AssertAskAgainInADay(profile.ReadDomain(name), started);
        var requests = await PebbleTraffic.SettledRequestsAsync(pebble.Server);
        (await profile.RunAsync()).Exited(0);
        Assert.Equal(requests, await PebbleTraffic.SettledRequestsAsync(pebble.Server));

        // As the Python tool leaves it: a certificate, no renewalInfo.
        var config = profile.Read();
        config["domains"]![name]!.AsObject().Remove("renewalInfo");
        profile.Write(config);
        var directoryFetches = PebbleTraffic.Requests(pebble.Server, DirectoryPath);
        var dryRun = (await ShamanProcess.RunAsync(["--dry-run", profile.Directory])).Exited(0);
        started = DateTimeOffset.UtcNow;

        var migrated = (await profile.RunAsync()).Exited(0);

        // --dry-run says what the run then did, and asks nothing itself.
        Assert.Contains(dryRun.Lines, l => l.StartsWith($"{name}: would ask the CA for renewal information (ARI), then renew only if it says so; until then valid for ", StringComparison.Ordinal));

        Assert.Equal(requests + 1, await PebbleTraffic.SettledRequestsAsync(pebble.Server));
        Assert.Equal(directoryFetches + 1, PebbleTraffic.Requests(pebble.Server, DirectoryPath));
        Assert.Empty(migrated.Lines);
        AssertAskAgainInADay(profile.ReadDomain(name), started);
        (await profile.RunAsync()).Exited(0);
        Assert.Equal(requests + 1, await PebbleTraffic.SettledRequestsAsync(pebble.Server));
    }

    private string DirectoryPath => pebble.Server.DirectoryUrl.AbsolutePath;

    /// <summary>renewalInfo without a window, asking again a day after the run.</summary>
    private static void AssertAskAgainInADay(JsonObject domain, DateTimeOffset runStarted)
    {
        var info = domain["renewalInfo"]!.AsObject();
        Assert.Equal(["checkAfter"], info.Select(field => field.Key));
        var checkAfter = DateTimeOffset.Parse(info["checkAfter"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        // Recorded to the second.
        Assert.InRange(checkAfter, runStarted.AddDays(1).AddSeconds(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}
