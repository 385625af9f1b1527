using System.Diagnostics;
using System.Text.Json.Nodes;
using Concorde.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>Run options: `--random-sleep &lt;seconds&gt;` waits a random time up to the bound before the run
/// (cron spreading), but not when a person watches stdout on a terminal; `--status`, `--json`, `--dry-run`, `--force`.</summary>
public sealed class ShamanRandomSleepTests
{
    private const string Name = "sleepy.example.com";
    private static readonly DateTimeOffset Now = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(new[] { "--random-sleep", "30" }, 30.0)]
    [InlineData(new[] { "--random-sleep", "0" }, 0.0)]
    [InlineData(new[] { "--random-sleep", "1.5", "profile" }, 1.5)]
    [InlineData(new[] { "profile", "--random-sleep", "86400" }, 86400.0)]
    public void Random_sleep_takes_a_number_of_seconds(string[] args, double seconds)
    {
        var (options, error) = ShamanOptions.Parse(args);

        Assert.Null(error);
        Assert.Equal(TimeSpan.FromSeconds(seconds), options!.RandomSleep);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("-1")]
    [InlineData("86401")]
    [InlineData("soon")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void Random_sleep_without_a_sensible_number_is_a_usage_error(string? seconds)
    {
        var (options, error) = ShamanOptions.Parse(seconds is null ? ["--random-sleep"] : ["--random-sleep", seconds]);

        Assert.Null(options);
        Assert.Equal("--random-sleep needs a number of seconds (0 to 86400)", error);
    }

    [Fact]
    public void Status_json_dry_run_and_force_are_flags_and_json_needs_status()
    {
        Assert.Equal(new ShamanOptions { Status = true, Json = true, Force = true, ProfileDirectory = "p" },
            ShamanOptions.Parse(["--status", "--json", "--force", "p"]).Options);
        Assert.Equal(new ShamanOptions { DryRun = true }, ShamanOptions.Parse(["--dry-run"]).Options);
        Assert.Equal("--json goes with --status", ShamanOptions.Parse(["--json"]).Error);
        Assert.Equal("--status and --dry-run are alternatives; use one", ShamanOptions.Parse(["--status", "--dry-run"]).Error);
        Assert.Null(ShamanOptions.Parse([]).Options!.RandomSleep);
    }

    [Fact]
    public async Task Terminal_on_stdout_skips_the_sleep()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await CurrentProfileAsync(ca);
        var time = new AutoAdvancingTimeProvider(Now);

        (await profile.RunAsync(ca, time, outputIsRedirected: false, options: ["--random-sleep", "30"])).Exited(0);

        Assert.Empty(time.Delays);
        Assert.Equal(Now, time.GetUtcNow());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Redirected_stdout_sleeps_a_random_time_up_to_the_bound_before_the_run(int seed)
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await CurrentProfileAsync(ca);
        var time = new AutoAdvancingTimeProvider(Now);

        (await profile.RunAsync(ca, time, new Random(seed), outputIsRedirected: true, options: ["--random-sleep", "30"])).Exited(0);

        var delay = Assert.Single(time.Delays);
        Assert.InRange(delay, TimeSpan.Zero, TimeSpan.FromSeconds(30));
        // The seeded draw, to the millisecond timers work in.
        var expected = TimeSpan.FromSeconds(30) * new Random(seed).NextDouble();
        Assert.InRange(delay, expected - TimeSpan.FromMilliseconds(1), expected);
    }

    [Fact]
    public async Task Status_never_sleeps()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await CurrentProfileAsync(ca);
        var time = new AutoAdvancingTimeProvider(Now);

        (await profile.RunAsync(ca, time, outputIsRedirected: true, options: ["--random-sleep", "30", "--status"])).Exited(0);

        Assert.Empty(time.Delays);
    }

    [Fact]
    public async Task Binary_with_a_terminal_on_stdout_runs_at_once_despite_a_day_of_random_sleep()
    {
        using var directory = BackingOffProfile();
        using var bin = new TempDirectory("concorde-shaman-bin-");
        File.CreateSymbolicLink(bin.Combine("shaman"), ConcordeBinary.Path);
        // script(1) gives shaman a pseudo-terminal as stdout, as an administrator's shell would.
        var start = new ProcessStartInfo("script")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-q", "-e", "-c", $"{bin.Combine("shaman")} --random-sleep 86400 {directory.Path}", "/dev/null" })
            start.ArgumentList.Add(arg);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"shaman slept although stdout is a terminal:{Environment.NewLine}{await output}");
            }
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Equal(1, process.ExitCode);
        Assert.Contains($"WARNING {Name}: skipped after 1 failed attempt until", await output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binary_with_redirected_stdout_sleeps_before_it_takes_the_lock()
    {
        using var directory = BackingOffProfile();
        var before = File.ReadAllText(directory.Combine(ProfileSettings.FileName));

        using var shaman = ShamanProcess.Start(["--random-sleep", "86400", directory.Path]);
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        // A draw under 1.5 s of 86400 s is a one-in-57600 chance.
        Assert.False(shaman.HasExited, "shaman with redirected stdout did not sleep");
        Assert.False(File.Exists(directory.Combine(RunLock.FileName)), "the lock is taken after the sleep, so other runs are not held up");
        Assert.Equal(before, File.ReadAllText(directory.Combine(ProfileSettings.FileName)));
    }

    /// <summary>A profile whose only domain failed a minute ago: a run takes the lock, skips it and exits 1 without
    /// contacting the (unreachable) server.</summary>
    private static TempDirectory BackingOffProfile()
    {
        var directory = new TempDirectory("concorde-shaman-sleep-");
        File.WriteAllText(directory.Combine(ProfileSettings.FileName), new JsonObject
        {
            ["server"] = "http://127.0.0.1:9/directory",
            ["authenticators"] = new JsonObject { ["http-01"] = "/bin/false" },
            ["domains"] = new JsonObject
            {
                [Name] = new JsonObject
                {
                    ["failures"] = 1,
                    ["lastFailure"] = DomainState.FormatTime(DateTimeOffset.UtcNow.AddMinutes(-1)),
                    ["lastError"] = "scripted failure",
                },
            },
        }.ToJsonString());
        return directory;
    }

    /// <summary>A profile whose only certificate is current and whose renewal information is not due: a run sends nothing.</summary>
    private static async Task<ScriptedProfile> CurrentProfileAsync(ScriptedCa ca)
    {
        var profile = await ScriptedProfile.CreateAsync(Name);
        profile.InstallCertificate(Name, ca.Authority, Now.AddDays(-1), Now.AddDays(89)).Dispose();
        profile.UpdateDomain(Name, d => d["renewalInfo"] = new JsonObject { ["checkAfter"] = ScriptedCa.Format(Now.AddHours(6)) });
        return profile;
    }
}
