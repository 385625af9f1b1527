using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>Pebble that validates every authorization at once, so a large profile's run costs the client's work only
/// (the authenticator is /bin/true).</summary>
public sealed class AlwaysValidPebbleFixture() : PebbleFixture(new PebbleOptions
{
    EnvironmentVariables = new Dictionary<string, string>(StringComparer.Ordinal) { ["PEBBLE_VA_ALWAYS_VALID"] = "1" },
});

/// <summary>A save writes the kept text of the domains that did not change. SIGKILL in the middle of a
/// large profile's first run leaves a file that is complete up to that save and in the Python tool's format, and the
/// next run converges: every domain gets a certificate, no key file is replaced.</summary>
public sealed class ShamanLargeProfileCrashTests(AlwaysValidPebbleFixture pebble) : IClassFixture<AlwaysValidPebbleFixture>
{
    private const int Domains = 300;
    /// <summary>About halfway: a domain saves its order and then its certificate (keys ride along).</summary>
    private const int KillAtSave = 300;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task Sigkill_halfway_through_300_new_domains_then_the_rerun_issues_the_rest_for_the_same_keys()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var names = Enumerable.Range(1, Domains).Select(i => ShamanProfile.UniqueName($"large{i:000}")).ToArray();
        profile.Write(profile.Config(Challenge.Http01, "/bin/true", names));
        var watch = new ProfileWatch(profile, names);

        var killed = await ShamanProcess.RunAsync([profile.Directory], SaveKiller.Environment("shaman.json", KillAtSave), RunTimeout);

        Assert.True(killed.ExitCode == ShamanRun.KilledBySigkill, $"the run was not killed at save {KillAtSave}{Environment.NewLine}{killed}");
        watch.AssertConsistent($"after the kill at save {KillAtSave}");
        await PythonFormat.AssertFormattedAsync(profile.Text());
        var issued = names.Count(n => profile.ReadDomain(n)["certificate_id"] is not null);
        Assert.InRange(issued, 1, Domains - 1);
        var keysBefore = new Dictionary<string, string>(watch.KeyHashes);

        var rerun = (await ShamanProcess.RunAsync([profile.Directory], timeout: RunTimeout)).Exited(0);

        watch.AssertConsistent("after the rerun");
        Assert.Empty(rerun.ErrorLines);
        Assert.All(keysBefore, k => Assert.Equal(k.Value, watch.KeyHashes[k.Key]));
        var domains = profile.Read()["domains"]!.AsObject();
        Assert.All(names, n =>
        {
            Assert.True(domains[n] is JsonObject { } d && d["certificate_id"] is not null && d["order_id"] is null, $"{n} has no certificate recorded");
            Assert.True(File.Exists(profile.PathOf(ShamanProfile.CertificateFile(n))), $"{n} has no certificate file");
        });
        Assert.Equal(Domains + 1, watch.KeyHashes.Count);
        await PythonFormat.AssertFormattedAsync(profile.Text());
    }
}
