using System.Text.RegularExpressions;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Contrib;

/// <summary>contrib/cron/shaman: a valid /etc/cron.d file whose one job runs twice a day and whose command, run by
/// /bin/sh as cron runs it, calls shaman --quiet once per profile directory.</summary>
public sealed partial class CronTests
{
    private const string ProfilesDirectory = "/etc/shaman/";
    private const string ShamanPath = "/usr/local/bin/shaman";

    private static string CronFile => ContribScript.PathOf("cron/shaman");

    [Fact]
    public void The_file_is_a_cron_d_table_with_one_twice_daily_job_at_an_odd_minute()
    {
        var text = File.ReadAllText(CronFile);
        // cron(8) ignores cron.d files whose names have dots, and a last line without a newline.
        Assert.Matches("^[A-Za-z0-9_-]+$", Path.GetFileName(CronFile));
        Assert.EndsWith("\n", text, StringComparison.Ordinal);

        var variables = new Dictionary<string, string>();
        var jobs = new List<Match>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            if (Variable().Match(line) is { Success: true } variable)
            {
                variables[variable.Groups[1].Value] = variable.Groups[2].Value;
                continue;
            }
            var job = Job().Match(line);
            Assert.True(job.Success, $"neither a comment, a variable nor a cron.d job (m h dom mon dow user command): {line}");
            jobs.Add(job);
        }

        var only = Assert.Single(jobs);
        var minute = int.Parse(only.Groups["minute"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(minute, 0, 59);
        Assert.True(minute % 5 != 0, $"minute {minute}: pick one the CA's busy round minutes do not share");
        var hours = only.Groups["hours"].Value.Split(',').Select(h => int.Parse(h, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(2, hours.Length);
        Assert.All(hours, hour => Assert.InRange(hour, 0, 23));
        Assert.Equal(12, hours[1] - hours[0]);
        Assert.Equal("root", only.Groups["user"].Value);
        // cron turns an unescaped % into a newline.
        Assert.DoesNotContain('%', only.Groups["command"].Value);
        Assert.Equal("/bin/sh", variables["SHELL"]);
        Assert.Contains("/usr/bin", variables["PATH"].Split(':'));
    }

    [Fact]
    public async Task The_job_runs_shaman_quietly_once_per_profile_directory_and_carries_on_after_a_failure()
    {
        using var root = new TempDirectory("concorde-cron-");
        var profiles = root.Combine("shaman");
        foreach (var profile in new[] { "alpha", "beta fails", "gamma" })
        {
            Directory.CreateDirectory(Path.Combine(profiles, profile));
            File.WriteAllText(Path.Combine(profiles, profile, "shaman.json"), "{}");
        }
        Directory.CreateDirectory(Path.Combine(profiles, "not-a-profile"));
        File.WriteAllText(Path.Combine(profiles, "stray-file"), "");
        // The stand-in records its arguments one per line, and fails for the profile whose name says so.
        var calls = root.Combine("calls.log");
        var shaman = root.Combine("shaman-stand-in");
        File.WriteAllText(shaman, $$"""
            #!/bin/sh
            for argument in "$@"; do echo "$argument"; done >> '{{calls}}'
            case $2 in *fails*) echo "ERROR beta fails: something" ; exit 1 ;; esac
            """.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(shaman, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var command = JobCommand();
        Assert.Contains(ProfilesDirectory, command, StringComparison.Ordinal);
        Assert.Contains(ShamanPath, command, StringComparison.Ordinal);
        command = command.Replace(ProfilesDirectory, profiles + "/", StringComparison.Ordinal).Replace(ShamanPath, shaman, StringComparison.Ordinal);
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        var run = await ContribScript.RunAsync("/bin/sh", "", new Dictionary<string, string>(), ct, "-c", command);

        Assert.Equal(
            ["--quiet", $"{profiles}/alpha/", "--quiet", $"{profiles}/beta fails/", "--quiet", $"{profiles}/gamma/"],
            File.ReadAllLines(calls));
        Assert.Contains("ERROR beta fails", run.Stdout, StringComparison.Ordinal);
    }

    private static string JobCommand()
    {
        var line = File.ReadAllLines(CronFile).Single(l => Job().IsMatch(l));
        return Job().Match(line).Groups["command"].Value;
    }

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")]
    private static partial Regex Variable();

    [GeneratedRegex(@"^(?<minute>[0-9]+)\s+(?<hours>[0-9]+(,[0-9]+)*)\s+\*\s+\*\s+\*\s+(?<user>[a-z_][a-z0-9_-]*)\s+(?<command>\S.*)$")]
    private static partial Regex Job();
}
