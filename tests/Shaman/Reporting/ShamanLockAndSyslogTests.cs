using System.Text.RegularExpressions;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>One shaman per profile at a time (exit 75 for the second), and every log line as an
/// RFC 3164 datagram on the syslog socket with facility daemon and the severity of its level.</summary>
public sealed partial class ShamanLockAndSyslogTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task Second_shaman_on_a_busy_profile_exits_75_and_changes_nothing()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("locked");
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.SlowHttp01, name));
        using var holder = ShamanProcess.Start([profile.Directory]);
        // The slow authenticator runs inside the first shaman's locked section.
        var marker = profile.PathOf(ShamanProfile.SlowStartedMarker);
        await Eventually.WaitUntilAsync(() => File.Exists(marker), TimeSpan.FromSeconds(30), "the first run's authenticator to start");
        var before = profile.Snapshot();

        var second = (await profile.RunAsync()).Exited(75);

        Assert.False(holder.HasExited, "the second run must not wait for the first");
        Assert.Contains("another shaman", second.Stderr, StringComparison.Ordinal);
        Assert.Empty(second.Stdout);
        Assert.Equal(before, profile.Snapshot());
        (await holder.WaitAsync(ShamanProcess.DefaultTimeout)).Exited(0);
        using var leaf = profile.AssertCertificate(name);
    }

    [Fact]
    public async Task Log_lines_arrive_as_syslog_datagrams_with_daemon_facility_and_their_severity()
    {
        var (run, datagrams, name) = await RunRefusedDomainAsync("syslog");

        // One datagram per stdout line, in order: "<PRI>Mmm dd hh:mm:ss shaman[pid]: message".
        Assert.Equal(run.Lines.Count, datagrams.Count);
        foreach (var (line, datagram) in run.Lines.Zip(datagrams))
        {
            var match = SyslogFrame().Match(datagram);
            Assert.True(match.Success, $"not RFC 3164 framing: {datagram}");
            Assert.Equal(run.ProcessId.ToString(), match.Groups["pid"].Value);
            var level = line[..line.IndexOf(' ')];
            Assert.Equal(line[(level.Length + 1)..], match.Groups["message"].Value);
            // Facility daemon (3): 3 * 8 + severity, with severity info 6, warning 4, error 3.
            Assert.Equal(level switch { "INFO" => "30", "WARNING" => "28", "ERROR" => "27", _ => $"unexpected level {level}" },
                match.Groups["pri"].Value);
        }
        Assert.Contains(datagrams, d => d.StartsWith("<30>", StringComparison.Ordinal) && d.Contains($"{name}: created key", StringComparison.Ordinal));
        Assert.Contains(datagrams, d => d.StartsWith("<27>", StringComparison.Ordinal) && d.Contains($"shaman[{run.ProcessId}]: {name}: ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(10, new[] { "<27>", "<30>", "<31>" })]
    [InlineData(40, new[] { "<27>" })]
    public async Task LogThreshold_drops_lower_levels_from_stdout_and_syslog(int threshold, string[] priorities)
    {
        var (run, datagrams, _) = await RunRefusedDomainAsync($"threshold{threshold}", threshold);

        Assert.Equal(priorities, datagrams.Select(d => d[..4]).Distinct().Order());
        Assert.Equal(threshold == 10 ? ["DEBUG", "ERROR", "INFO"] : ["ERROR"], run.Lines.Select(l => l[..l.IndexOf(' ')]).Distinct().Order());
    }

    [Fact]
    public async Task A_threshold_above_errors_still_says_on_stderr_that_the_run_failed()
    {
        var (run, datagrams, _) = await RunRefusedDomainAsync("threshold50", 50);

        Assert.Empty(run.Lines);
        Assert.Empty(datagrams);
        var line = run.Stderr.TrimEnd('\n');
        Assert.StartsWith("shaman: 1 of 1 domains failed in ", line, StringComparison.Ordinal);
        Assert.EndsWith("(\"logThreshold\": 50 hides the details; lower it to 40 to see them)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quiet_prints_only_warnings_and_errors_but_syslog_still_gets_everything()
    {
        var (run, datagrams, _) = await RunRefusedDomainAsync("quiet", null, "--quiet");

        Assert.All(run.Lines, l => Assert.StartsWith("ERROR ", l, StringComparison.Ordinal));
        Assert.NotEmpty(run.Lines);
        Assert.Contains(datagrams, d => d.StartsWith("<30>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Syslog_daemon_that_reads_nothing_does_not_stop_the_run()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("stuck-syslog");
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, name));
        // Linux queues max_dgram_qlen (default 10) datagrams on a socket nobody reads; an issuance logs more.
        using var syslog = new SyslogListener(profile.PathOf("log.sock"), read: false);

        var run = (await ShamanProcess.RunAsync([profile.Directory], syslog.Environment, TimeSpan.FromSeconds(30))).Exited(0);

        Assert.True(run.Lines.Count > 10, $"the run should log more than the queue holds:{Environment.NewLine}{run}");
        using var leaf = profile.AssertCertificate(name);
    }

    /// <summary>One run, with a listening syslog socket, of a fresh profile whose only domain's authenticator
    /// refuses: it logs info lines and errors (exit 1) without waiting for a validation.</summary>
    private async Task<(ShamanRun Run, IReadOnlyList<string> Datagrams, string Name)> RunRefusedDomainAsync(
        string label, int? logThreshold = null, params string[] options)
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName(label);
        var config = profile.Config(Challenge.Http01, ShamanProfile.Failing, name);
        if (logThreshold is { } threshold) config["logThreshold"] = threshold;
        profile.Write(config);
        using var syslog = new SyslogListener(profile.PathOf("log.sock"));

        var run = (await ShamanProcess.RunAsync([.. options, profile.Directory], syslog.Environment)).Exited(1);

        return (run, await syslog.ReceivedAsync(), name);
    }

    [GeneratedRegex(@"^<(?<pri>\d+)>[A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d shaman\[(?<pid>\d+)\]: (?<message>.*)$", RegexOptions.Singleline)]
    private static partial Regex SyslogFrame();
}
