using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>Every state change is saved before the next request, so SIGKILL at any save point loses
/// nothing: the next run finishes with a certificate for the same key.</summary>
public sealed class ShamanCrashResumeTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    /// <summary>More than a fresh issuance saves; the runs that are not killed prove the count was covered.</summary>
    private const int MaxKillPoints = 8;

    [Fact]
    public async Task Sigkill_after_each_save_then_a_rerun_gives_a_certificate_for_the_same_key()
    {
        // Kill point k: SIGKILL right after shaman's k-th write of shaman.json (SaveKiller).
        // All kill points run side by side, each on its own fresh profile.
        var outcomes = await Task.WhenAll(Enumerable.Range(1, MaxKillPoints).Select(KillThenResumeAsync));

        // The saves of a fresh issuance: the kill points that did kill, 1..n without a gap; the later ones ran through.
        var killed = outcomes.Where(o => o.Killed).ToList();
        Assert.Equal(Enumerable.Range(1, killed.Count), killed.Select(o => o.KillPoint));
        Assert.True(killed.Count < MaxKillPoints, "some run must finish before its kill point, else not every save was covered");
        // Each save recorded something new, and together they are every step of the state machine.
        var states = killed.Select(o => o.Recorded).ToList();
        for (var i = 1; i < states.Count; i++)
            Assert.False(states[i].SetEquals(states[i - 1]), $"save {i + 1} recorded nothing new: {string.Join(", ", states[i])}");
        string[] steps = ["key", "account_id", "domain.key", "domain.order_id", "domain.certificate_id"];
        Assert.All(steps, step => Assert.Contains(states, s => s.Contains(step)));
        Assert.Contains(states, s => s.Contains("domain.order_id") && !s.Contains("domain.certificate_id"));
        Assert.Contains("domain.certificate_id", states[^1]);
    }

    [Fact]
    public async Task Key_files_written_just_before_a_crash_are_adopted_not_replaced()
    {
        // A kill between writing a key and recording it leaves key files shaman.json does not name yet.
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("adopt");
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, name));
        var keyFiles = new[] { ShamanProfile.AccountKeyFile, ShamanProfile.KeyFile(name) };
        foreach (var file in keyFiles)
        {
            File.WriteAllText(profile.PathOf(file), KeyPem.NewP384());
            File.SetUnixFileMode(profile.PathOf(file), ShamanProfile.PrivateMode);
        }
        var pems = keyFiles.Select(f => File.ReadAllText(profile.PathOf(f))).ToList();

        var run = (await profile.RunAsync()).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        Assert.Equal(pems, keyFiles.Select(f => File.ReadAllText(profile.PathOf(f))));
        Assert.Equal(2, run.Lines.Count(l => l.StartsWith("WARNING ", StringComparison.Ordinal) && l.Contains("using the existing key file", StringComparison.Ordinal)));
    }

    private sealed record Outcome(int KillPoint, bool Killed, HashSet<string> Recorded);

    private async Task<Outcome> KillThenResumeAsync(int killPoint)
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName($"kill{killPoint}");
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, name));
        var keyFiles = new[] { ShamanProfile.AccountKeyFile, ShamanProfile.KeyFile(name) };

        var first = await profile.RunAsync(SaveKiller.Environment("shaman.json", killPoint));
        var killed = first.ExitCode == ShamanRun.KilledBySigkill;
        if (!killed) first.Exited(0);
        // Whatever moment the kill hit, shaman.json is complete, and keys on disk are private.
        var recorded = Fields(profile.Read(), name);
        var keysBefore = keyFiles.Where(f => File.Exists(profile.PathOf(f))).ToDictionary(f => f, f => File.ReadAllText(profile.PathOf(f)));
        Assert.All(keysBefore.Keys, f => Assert.Equal(ShamanProfile.PrivateMode, File.GetUnixFileMode(profile.PathOf(f))));

        var resumed = (await profile.RunAsync()).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        foreach (var (file, pem) in keysBefore)
            Assert.True(pem == File.ReadAllText(profile.PathOf(file)), $"kill point {killPoint}: {file} changed on resume{Environment.NewLine}{resumed}");
        profile.AssertNoTemporaryFiles();
        return new Outcome(killPoint, killed, recorded);
    }

    /// <summary>The state fields present: "key", "account_id", "domain.key", "domain.order_id", "domain.certificate_id".</summary>
    private static HashSet<string> Fields(JsonObject root, string name)
    {
        var fields = new[] { "key", "account_id" }.Where(root.ContainsKey).ToHashSet();
        var domain = root["domains"]![name]!.AsObject();
        foreach (var field in new[] { "key", "order_id", "certificate_id" })
            if (domain.ContainsKey(field)) fields.Add($"domain.{field}");
        return fields;
    }
}
