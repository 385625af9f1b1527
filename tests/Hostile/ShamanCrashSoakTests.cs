using System.Diagnostics;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Concorde.Tests.Hostile;

/// <summary>Shaman killed at every save of a two-domain profile, and a hundred times at random moments,
/// never leaves a profile that is broken or has lost a key, and the next clean run converges to certificates for
/// the same keys; SIGTERM and SIGINT stop it within two seconds with exit 130 and the state saved.
/// tests/Shaman/ShamanCrashResumeTests covers the save points of a one-domain profile and key adoption.</summary>
public sealed class ShamanCrashSoakTests(PebbleFixture pebble, ITestOutputHelper output) : IClassFixture<PebbleFixture>
{
    private const int MaxKillPoints = 16;
    private const int Kills = 100;
    /// <summary>Longer than any certificate lives: every run orders both certificates again.</summary>
    private const double RenewAlways = 100_000;

    [Fact]
    public async Task Sigkill_after_each_save_of_a_two_domain_profile_then_a_rerun_gives_both_certificates_for_the_same_keys()
    {
        using var slots = new SemaphoreSlim(4);
        var outcomes = await Task.WhenAll(Enumerable.Range(1, MaxKillPoints).Select(async killPoint =>
        {
            await slots.WaitAsync();
            try
            {
                return await KillAtSaveThenResumeAsync(killPoint);
            }
            finally
            {
                slots.Release();
            }
        }));

        var killed = outcomes.Where(o => o.Killed).Select(o => o.KillPoint).ToList();
        output.WriteLine($"a fresh two-domain issuance saves shaman.json {killed.Count} times; temporary files left after the rerun: " +
                         string.Join(", ", outcomes.Where(o => o.TemporaryFiles > 0).Select(o => $"{o.TemporaryFiles} at kill point {o.KillPoint}")));
        Assert.Equal(Enumerable.Range(1, killed.Count), killed);
        Assert.True(killed.Count < MaxKillPoints, "some run must finish before its kill point, else not every save was covered");
        // Between them, the kill points stopped shaman in every state of both domains.
        var states = outcomes.Where(o => o.Killed).SelectMany(o => o.Recorded).ToHashSet();
        foreach (var field in new[] { "key", "account_id", "0.key", "0.order_id", "0.certificate_id", "1.key", "1.order_id", "1.certificate_id" })
            Assert.Contains(field, states);
    }

    private sealed record Outcome(int KillPoint, bool Killed, IReadOnlyList<string> Recorded, int TemporaryFiles);

    private async Task<Outcome> KillAtSaveThenResumeAsync(int killPoint)
    {
        using var profile = new ShamanProfile(pebble.Server);
        string[] names = [ShamanProfile.UniqueName($"save{killPoint}a"), ShamanProfile.UniqueName($"save{killPoint}b")];
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, names));
        var watch = new ProfileWatch(profile, names);

        var first = await profile.RunAsync(SaveKiller.Environment("shaman.json", killPoint));
        var killed = first.ExitCode == ShamanRun.KilledBySigkill;
        if (!killed) first.Exited(0);
        watch.AssertConsistent($"kill point {killPoint}");
        var root = profile.Read();
        var recorded = new[] { "key", "account_id" }.Where(root.ContainsKey).ToList();
        for (var i = 0; i < names.Length; i++)
            recorded.AddRange(new[] { "key", "order_id", "certificate_id" }.Where(profile.ReadDomain(names[i]).ContainsKey).Select(f => $"{i}.{f}"));

        var resumed = (await profile.RunAsync()).Exited(0);

        watch.AssertConsistent($"the run after kill point {killPoint}");
        foreach (var name in names) using (profile.AssertCertificate(name)) { }
        Assert.Empty(resumed.ErrorLines);
        // With both domains at work, a kill at one domain's save can catch the other between creating a temporary
        // file and renaming it; such leftovers are counted (Temporary_files_left_by_a_crash_are_removed_by_the_next_run).
        return new Outcome(killPoint, killed, recorded, watch.TemporaryFiles);
    }

    /// <summary>The one persistence point a kill after a save of shaman.json cannot reach: the certificate file is
    /// written, then the save that records certificate_id (and drops order_id) is lost. The next run finds the
    /// order valid, downloads the same chain, leaves the file as it is and records it: no new order.</summary>
    [Fact]
    public async Task Certificate_written_but_not_recorded_is_recorded_by_the_next_run_without_a_new_order()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("unrecorded");
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, name));
        var killed = await profile.RunAsync(SaveKiller.Environment("shaman.json", 2));
        Assert.Equal(ShamanRun.KilledBySigkill, killed.ExitCode);
        var beforeLastSave = profile.Text();
        Assert.NotNull(profile.ReadDomain(name)["order_id"]);
        (await profile.RunAsync()).Exited(0);
        var certificate = File.ReadAllText(profile.PathOf(ShamanProfile.CertificateFile(name)));
        profile.Write(beforeLastSave);

        var run = (await profile.RunAsync()).Exited(0);

        using (profile.AssertCertificate(name)) { }
        Assert.Equal(certificate, File.ReadAllText(profile.PathOf(ShamanProfile.CertificateFile(name))));
        Assert.DoesNotContain(run.Lines, l => l.Contains("created order", StringComparison.Ordinal) || l.Contains("updating certificate", StringComparison.Ordinal)
                                            || l.Contains("writing certificate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_hundred_sigkills_at_random_moments_never_break_the_profile_and_a_clean_run_converges_on_the_same_keys()
    {
        using var profile = new ShamanProfile(pebble.Server);
        string[] names = [ShamanProfile.UniqueName("soak-a"), ShamanProfile.UniqueName("soak-b")];
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, names);
        config["renewal"] = RenewAlways;
        profile.Write(config);
        var watch = new ProfileWatch(profile, names);
        (await profile.RunAsync()).Exited(0);
        watch.AssertConsistent("the first run");
        // A normal run (both certificates ordered again) sets the range of the kill moments: the quickest of three,
        // as other tests may be loading the machine now and not later.
        var normal = TimeSpan.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            (await profile.RunAsync()).Exited(0);
            normal = clock.Elapsed < normal ? clock.Elapsed : normal;
            watch.AssertConsistent($"normal run {i + 1}");
        }
        var seed = Environment.TickCount;
        var random = new Random(seed);

        var (kills, completed) = (0, 0);
        var soak = Stopwatch.StartNew();
        while (kills < Kills)
        {
            Assert.True(kills + completed < 3 * Kills, $"only {kills} of {kills + completed} runs could be killed before they finished");
            var delay = normal * random.NextDouble();
            using var shaman = ShamanProcess.Start([profile.Directory]);
            await Task.Delay(delay);
            if (!shaman.HasExited) shaman.Kill();
            var run = await shaman.WaitAsync(ShamanProcess.DefaultTimeout);
            var when = $"run {kills + completed + 1} (seed {seed}), killed after {delay.TotalMilliseconds:0} ms";
            if (run.ExitCode == ShamanRun.KilledBySigkill)
                kills++;
            else
            {
                Assert.True(run.ExitCode == 0, $"{when}: a run that was not killed must succeed{Environment.NewLine}{run}");
                completed++;
            }
            watch.AssertConsistent(when);
        }
        var keys = new Dictionary<string, string>(watch.KeyHashes);
        var final = (await profile.RunAsync()).Exited(0);

        watch.AssertConsistent("the final run");
        foreach (var name in names) using (profile.AssertCertificate(name)) { }
        Assert.Equal(keys, watch.KeyHashes);
        Assert.Equal(3, keys.Count);
        Assert.Empty(final.ErrorLines);
        output.WriteLine($"normal run {normal.TotalMilliseconds:0} ms; {kills} kills and {completed} completed runs in {soak.Elapsed.TotalSeconds:0.0} s " +
                         $"(seed {seed}); certificate files changed {watch.CertificatesChanged} times; temporary files left by kills: " +
                         $"at most {watch.MostTemporaryFiles} at once, {watch.TemporaryFiles} after the final run");
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Signal_during_a_slow_authenticator_stops_shaman_within_2_s_with_130_and_the_next_run_completes(string signal)
    {
        using var profile = new ShamanProfile(pebble.Server);
        string[] names = [ShamanProfile.UniqueName($"sig{signal.ToLowerInvariant()}a"), ShamanProfile.UniqueName($"sig{signal.ToLowerInvariant()}b")];
        // The first time for each name: sleep 5 (a child of the authenticator, so shaman must end the whole tree).
        profile.WriteScript("slow.sh", $"""
            marker="slow-$CONCORDE_IDENTIFIER"
            if [ ! -e "$marker.done" ]; then
                : > "$marker.done"
                sleep 5 &
                echo $! > "$marker.pid"
                wait $!
            fi
            exec ./{ShamanProfile.Http01}
            """);
        profile.Write(profile.Config(Challenge.Http01, "slow.sh", names));
        var watch = new ProfileWatch(profile, names, testFilePrefix: "slow-");
        using var shaman = ShamanProcess.Start([profile.Directory]);
        var sleepers = names.Select(name => profile.PathOf($"slow-{name}.pid")).ToList();
        await Eventually.WaitUntilAsync(() => sleepers.All(p => File.Exists(p) && File.ReadAllText(p).EndsWith('\n')),
            TimeSpan.FromSeconds(30), "every authenticator to write its sleep's pid");

        var clock = Stopwatch.StartNew();
        await SendSignalAsync(shaman.ProcessId, signal);
        var run = await shaman.WaitAsync(TimeSpan.FromSeconds(10));
        var stopped = clock.Elapsed;

        Assert.True(run.ExitCode == 130, $"SIG{signal}: expected exit status 130{Environment.NewLine}{run}");
        Assert.True(stopped < TimeSpan.FromSeconds(2), $"SIG{signal}: shaman took {stopped.TotalSeconds:0.00} s to stop");
        Assert.DoesNotContain("Unhandled exception", run.Stdout + run.Stderr, StringComparison.Ordinal);
        // Started as `shaman`, it speaks as shaman.
        Assert.Contains("shaman: interrupted; stopped before finishing", run.Stderr.Split('\n'));
        watch.AssertConsistent($"after SIG{signal}");
        Assert.All(sleepers, p => Assert.True(ProcessLiveness.IsGone(int.Parse(File.ReadAllText(p).Trim())), "an authenticator's sleep outlived shaman"));
        Assert.All(names, name => Assert.NotNull(profile.ReadDomain(name)["order_id"]));

        var next = (await profile.RunAsync()).Exited(0);

        watch.AssertConsistent($"the run after SIG{signal}");
        foreach (var name in names) using (profile.AssertCertificate(name)) { }
        Assert.Empty(next.ErrorLines);
    }

    /// <summary>A SIGKILL between creating a temporary file and renaming it leaves ".&lt;file&gt;.&lt;hex&gt;.tmp"
    /// behind (the soak sees them), stale key copies among them. A run that holds the lock removes stale temporary
    /// files of its own naming, so a profile that crashed often does not collect them (these are a day old, so an
    /// age limit would still allow it).</summary>
    [Fact]
    public async Task Temporary_files_left_by_a_crash_are_removed_by_the_next_run()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("stale-tmp");
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, name));
        string[] stale =
        [
            $".shaman.json.{Guid.NewGuid():N}.tmp",
            $".{ShamanProfile.AccountKeyFile}.{Guid.NewGuid():N}.tmp",
            $".{ShamanProfile.KeyFile(name)}.{Guid.NewGuid():N}.tmp",
            $".{ShamanProfile.CertificateFile(name)}.{Guid.NewGuid():N}.tmp",
        ];
        foreach (var file in stale)
        {
            File.WriteAllText(profile.PathOf(file), file.Contains(".priv.pem", StringComparison.Ordinal) ? KeyPem.NewP384()[..100] : "{");
            File.SetUnixFileMode(profile.PathOf(file), ShamanProfile.PrivateMode);
            File.SetLastWriteTimeUtc(profile.PathOf(file), DateTime.UtcNow.AddDays(-1));
        }

        (await profile.RunAsync()).Exited(0);

        using (profile.AssertCertificate(name)) { }
        Assert.DoesNotContain(stale, file => File.Exists(profile.PathOf(file)));
    }

    private static async Task SendSignalAsync(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-s", signal, $"{pid}"]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }
}
