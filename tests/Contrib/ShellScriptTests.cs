using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Contrib;

/// <summary>What every script under contrib/ promises: POSIX sh, executable, <c>set -eu</c>, and nothing
/// shellcheck finds — the cron job's command line included.</summary>
public sealed class ShellScriptTests
{
    public static TheoryData<string> Scripts => new()
    {
        "authenticators/http01-webroot",
        "authenticators/dns01-nsupdate",
        "authenticators/dns01-lexicon",
        "deploy/reload-nginx",
        "notify/mail",
        "notify/webhook",
        "deb/build-deb.sh",
        "deb/prerm",
        "deb/postrm",
    };

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Is_an_executable_posix_sh_script_that_stops_at_the_first_error(string script)
    {
        var path = ContribScript.PathOf(script);
        var lines = File.ReadAllLines(path);

        Assert.Equal("#!/bin/sh", lines[0]);
        Assert.Contains("set -eu", lines);
        Assert.True(File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute),
            $"{script} is executable by everyone (install copies the mode)");
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Passes_shellcheck(string script)
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        var run = await ContribScript.RunAsync(ContribScript.Locate("shellcheck", "shellcheck"), "", new Dictionary<string, string>(), ct,
            "--shell=sh", "--severity=style", ContribScript.PathOf(script));

        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Fact]
    public async Task The_cron_job_command_passes_shellcheck()
    {
        var line = File.ReadAllLines(ContribScript.PathOf("cron/shaman")).Single(l => l.Length > 0 && char.IsAsciiDigit(l[0]));
        // m h dom mon dow user command: the command is everything after the sixth field.
        var command = string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(6));
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        var run = await ContribScript.RunAsync(ContribScript.Locate("shellcheck", "shellcheck"), $"#!/bin/sh\n{command}\n",
            new Dictionary<string, string>(), ct, "--severity=style", "-");

        Assert.True(run.ExitCode == 0, $"{command}{Environment.NewLine}{run}");
    }
}
