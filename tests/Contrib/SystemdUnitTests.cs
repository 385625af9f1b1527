using System.Globalization;
using Concorde.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Concorde.Tests.Contrib;

/// <summary>contrib/systemd/shaman@.service and shaman@.timer. systemd-analyze verify and security work offline,
/// without systemd as PID 1 (as in a container): they load the unit files the way systemd would and report every
/// problem. Whether the sandbox lets a real run through can only be seen on a machine that boots systemd.</summary>
public sealed class SystemdUnitTests(ITestOutputHelper output)
{
    private const string Service = "systemd/shaman@.service";
    private const string Timer = "systemd/shaman@.timer";
    private const string MetricsDropIn = "systemd/metrics.conf";
    private const string InstalledShaman = "/usr/local/bin/shaman";

    /// <summary>Every key the two files may use, per section: a misspelt key is caught even where systemd-analyze
    /// only warns.</summary>
    private static readonly Dictionary<string, HashSet<string>> KnownKeys = new()
    {
        ["Unit"] = ["Description", "Documentation", "Wants", "After", "ConditionPathExists"],
        ["Service"] =
        [
            "Type", "ExecStart", "SuccessExitStatus", "TimeoutStartSec", "CapabilityBoundingSet", "NoNewPrivileges",
            "ProtectSystem", "ReadWritePaths", "ProtectHome", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables",
            "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "ProtectClock", "ProtectHostname",
            "RestrictAddressFamilies", "RestrictNamespaces", "RestrictRealtime", "RestrictSUIDSGID", "LockPersonality",
            "ProtectProc", "PrivateMounts", "SystemCallArchitectures", "SystemCallFilter", "SystemCallErrorNumber",
        ],
        ["Timer"] = ["OnCalendar", "RandomizedDelaySec", "FixedRandomDelay", "Persistent"],
        ["Install"] = ["WantedBy"],
    };

    [Fact]
    public async Task Systemd_analyze_verify_accepts_both_units_without_a_single_warning()
    {
        using var units = CopyUnits();
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        var verify = await ContribScript.RunAsync(SystemdAnalyze(), "", new Dictionary<string, string>(), ct,
            "verify", "--man=no", "--generators=no", units.Combine("shaman@.service"), units.Combine("shaman@.timer"));

        output.WriteLine(verify.ToString());
        // verify only warns about unknown keys or bad values ("…, ignoring."): any output at all is a finding.
        Assert.True(verify.ExitCode == 0 && verify.Stdout.Length == 0 && verify.Stderr.Length == 0, verify.ToString());
    }

    [Fact]
    public async Task Systemd_analyze_security_rates_the_sandbox_well_below_medium_exposure()
    {
        using var units = CopyUnits();
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        // The overall exposure is 0.0–10.0 (threshold ×10); 2.5 and below is "OK", 5.0 "MEDIUM". It is 2.0 now.
        var security = await ContribScript.RunAsync(SystemdAnalyze(), "", new Dictionary<string, string>(), ct,
            "security", "--offline=true", "--threshold=25", "--no-pager", units.Combine("shaman@.service"));

        output.WriteLine(security.Stdout.Split('\n').LastOrDefault(l => l.Contains("Overall exposure", StringComparison.Ordinal)) ?? security.ToString());
        Assert.True(security.ExitCode == 0, security.ToString());
    }

    [Fact]
    public async Task Systemd_analyze_verify_reads_the_metrics_drop_in_and_accepts_it()
    {
        using var units = CopyUnits();
        var dropIns = Directory.CreateDirectory(units.Combine("shaman@.service.d")).FullName;
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        File.Copy(ContribScript.PathOf(MetricsDropIn), System.IO.Path.Combine(dropIns, "metrics.conf"));
        var verify = await VerifyInstanceAsync(units, ct);
        Assert.True(verify.ExitCode == 0 && verify.Stdout.Length == 0 && verify.Stderr.Length == 0, verify.ToString());

        // The same drop-in with a key systemd does not know is reported: verify did read the file above.
        File.AppendAllText(System.IO.Path.Combine(dropIns, "metrics.conf"), "NoSuchKey=yes\n");
        var misspelt = await VerifyInstanceAsync(units, ct);
        Assert.Contains("metrics.conf", misspelt.Stdout + misspelt.Stderr, StringComparison.Ordinal);
        Assert.Contains("NoSuchKey", misspelt.Stdout + misspelt.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_metrics_drop_in_only_opens_node_exporters_textfile_directory()
    {
        // README's example "metrics" file is /var/lib/prometheus/node-exporter/concorde-www.prom; shaman writes it as a
        // temporary file renamed over it, so the whole directory must be writable. "-": a missing directory is no error.
        Assert.Equal([new KeyValuePair<string, string>("ReadWritePaths", "-/var/lib/prometheus/node-exporter")], Settings(MetricsDropIn));
        Assert.Contains("\n[Service]\n", File.ReadAllText(ContribScript.PathOf(MetricsDropIn)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_timer_fires_twice_a_day_twelve_hours_apart()
    {
        var calendar = Assert.Single(Settings(Timer), s => s.Key == "OnCalendar").Value;
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        var next = await ContribScript.RunAsync(SystemdAnalyze(), "", new Dictionary<string, string> { ["TZ"] = "UTC" }, ct,
            "calendar", "--iterations=3", "--base-time=2030-01-01 00:30:00 UTC", calendar);

        Assert.True(next.ExitCode == 0, next.ToString());
        // "    Next elapse: Tue 2030-01-01 12:00:00 UTC", then "       Iter. #2: Wed 2030-01-02 00:00:00 UTC", ...
        var elapses = next.Stdout.Split('\n').Select(l => l.Trim())
            .Where(l => l.StartsWith("Next elapse:", StringComparison.Ordinal) || l.StartsWith("Iter. #", StringComparison.Ordinal))
            .Select(l => DateTime.ParseExact(l[(l.IndexOf(':') + 1)..].Trim()[4..], "yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture))
            .ToList();
        Assert.Equal(3, elapses.Count);
        Assert.Equal(TimeSpan.FromHours(12), elapses[1] - elapses[0]);
        Assert.Equal(TimeSpan.FromHours(12), elapses[2] - elapses[1]);
    }

    [Fact]
    public void The_units_and_the_drop_in_hold_only_sections_comments_and_known_keys()
    {
        foreach (var unit in new[] { Service, Timer, MetricsDropIn })
        {
            var section = "";
            foreach (var (line, number) in File.ReadAllLines(ContribScript.PathOf(unit)).Select((l, i) => (l, i + 1)))
            {
                var where = $"{unit}:{number}: {line}";
                if (line.Length == 0 || line[0] is '#' or ';') continue;
                if (line.StartsWith('[') && line.EndsWith(']'))
                {
                    section = line[1..^1];
                    Assert.True(KnownKeys.ContainsKey(section), $"unknown section {where}");
                    continue;
                }
                var equals = line.IndexOf('=');
                Assert.True(equals > 0 && !line.EndsWith('\\'), $"not Key=Value {where}");
                Assert.True(section.Length > 0, $"key before any section {where}");
                Assert.True(KnownKeys[section].Contains(line[..equals]), $"unknown key in [{section}] {where}");
                Assert.True(line[(equals + 1)..].Trim().Length > 0, $"empty value {where}");
            }
        }
    }

    [Fact]
    public void The_service_is_a_sandboxed_oneshot_that_may_write_only_its_profile_directory()
    {
        var service = Settings(Service).ToLookup(s => s.Key, s => s.Value);

        Assert.Equal(["oneshot"], service["Type"]);
        Assert.Equal([$"{InstalledShaman} --quiet /etc/shaman/%I"], service["ExecStart"]);
        Assert.Equal(["/etc/shaman/%I/shaman.json"], service["ConditionPathExists"]);
        Assert.Equal(["/etc/shaman/%I"], service["ReadWritePaths"]);
        Assert.Equal(["strict"], service["ProtectSystem"]);
        foreach (var key in new[] { "NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices" })
            Assert.Equal(["yes"], service[key]);
        Assert.Equal(["75"], service["SuccessExitStatus"]);

        var timer = Settings(Timer).ToLookup(s => s.Key, s => s.Value);
        Assert.Equal(["true"], timer["Persistent"]);
        Assert.Equal(["12h"], timer["RandomizedDelaySec"]);
        Assert.Equal(["timers.target"], timer["WantedBy"]);
    }

    /// <summary>The units in a temporary directory, with ExecStart's /usr/local/bin/shaman pointing at the
    /// published binary instead (verify refuses a command that does not exist); nothing else is changed.</summary>
    private static TempDirectory CopyUnits()
    {
        var directory = new TempDirectory("concorde-systemd-");
        var shaman = directory.Combine("shaman");
        File.CreateSymbolicLink(shaman, ConcordeBinary.Path);
        var service = File.ReadAllText(ContribScript.PathOf(Service));
        Assert.Contains($"ExecStart={InstalledShaman} ", service, StringComparison.Ordinal);
        File.WriteAllText(directory.Combine("shaman@.service"), service.Replace($"ExecStart={InstalledShaman} ", $"ExecStart={shaman} ", StringComparison.Ordinal));
        File.Copy(ContribScript.PathOf(Timer), directory.Combine("shaman@.timer"));
        return directory;
    }

    /// <summary>verify of one instance, shaman@example.service, so that systemd loads the template's drop-ins.</summary>
    private static Task<ScriptRun> VerifyInstanceAsync(TempDirectory units, CancellationToken ct) =>
        ContribScript.RunAsync(SystemdAnalyze(), "", new Dictionary<string, string>(), ct,
            "verify", "--man=no", "--generators=no", units.Combine("shaman@example.service"));

    private static string SystemdAnalyze() => ContribScript.Locate("systemd-analyze", "systemd");

    private static IEnumerable<KeyValuePair<string, string>> Settings(string unit) =>
        File.ReadAllLines(ContribScript.PathOf(unit))
            .Where(l => l.Length > 0 && l[0] is not ('#' or ';' or '[') && l.Contains('='))
            .Select(l => new KeyValuePair<string, string>(l[..l.IndexOf('=')], l[(l.IndexOf('=') + 1)..]));
}
