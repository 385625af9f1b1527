using System.Diagnostics;
using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>`notify` runs at the end of a run when failures began or ended (and once a day while they last), with the
/// run's WARNING and ERROR lines on stdin; shaman.json remembers what it told, so reruns stay quiet; its own failure
/// is a warning that leaves the exit status alone.</summary>
public sealed class ShamanNotifyTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    private const string Notify = "notify.sh";

    [Fact]
    public async Task Notify_tells_a_failure_once_reminds_a_day_later_and_tells_the_recovery()
    {
        using var profile = new ShamanProfile(pebble.Server);
        RecordingScripts.Write(profile, Notify);
        var (good, broken) = (ShamanProfile.UniqueName("notify-good"), ShamanProfile.UniqueName("notify-broken"));
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, good, broken);
        config["domains"]![broken]!["authenticators"] = new JsonObject { [Challenge.Http01] = ShamanProfile.Failing };
        config["notify"] = Notify;
        profile.Write(config);

        var first = (await profile.RunAsync()).Exited(1);

        var failure = Assert.Single(RecordingScripts.Calls(profile, Notify));
        Assert.Equal("failure", failure["CONCORDE_EVENT"]);
        Assert.Equal(profile.Directory, failure["CONCORDE_PROFILE"]);
        Assert.Equal(broken, failure["CONCORDE_FAILED_DOMAINS"]);
        Assert.Equal("", failure["CONCORDE_RECOVERED_DOMAINS"]);
        Assert.Equal(Summary(first), failure.Stdin);
        Assert.Contains(failure.Stdin.Split('\n'), l => l.StartsWith($"ERROR {broken}: ", StringComparison.Ordinal));
        Assert.Contains("INFO notified a failure with notify.sh", first.Lines);
        Assert.Equal([broken], profile.Read()["notifiedFailedDomains"]!.AsArray().Select(d => d!.GetValue<string>()));

        var status = (await ShamanProcess.RunAsync(["--status", profile.Directory])).Exited(1);
        Assert.Contains(status.Lines, l => l.StartsWith($"notify: {Notify}; notified at ", StringComparison.Ordinal) && l.Contains($"failing {broken};", StringComparison.Ordinal));
        var json = JsonNode.Parse((await ShamanProcess.RunAsync(["--status", "--json", profile.Directory])).Exited(1).Stdout)!["notify"]!;
        Assert.Equal(Notify, json["program"]!.GetValue<string>());
        Assert.Equal([broken], json["notifiedFailedDomains"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Null(json["notifiedRunError"]);
        Assert.Equal(DomainState.ParseTime(json["notifiedAt"]!.GetValue<string>())!.Value.AddDays(1),
            DomainState.ParseTime(json["nextReminder"]!.GetValue<string>()));
        var dryRun = (await ShamanProcess.RunAsync(["--dry-run", profile.Directory])).Exited(1);
        Assert.Contains($"would notify nothing with {Notify} unless failures begin or end", dryRun.Lines);

        // Still failing (skipped by the backoff): nothing new to tell.
        (await profile.RunAsync()).Exited(1);
        Assert.Single(RecordingScripts.Calls(profile, Notify));

        var dayLater = profile.Read();
        dayLater["notifiedAt"] = DomainState.FormatTime(DateTimeOffset.UtcNow.AddHours(-25));
        profile.Write(dayLater);
        var dueDryRun = (await ShamanProcess.RunAsync(["--dry-run", profile.Directory])).Exited(1);
        Assert.Contains(dueDryRun.Lines, l => l.StartsWith($"would notify a reminder with {Notify} ", StringComparison.Ordinal));

        var reminded = (await profile.RunAsync()).Exited(1);

        var reminder = RecordingScripts.Calls(profile, Notify)[^1];
        Assert.Equal(2, RecordingScripts.Calls(profile, Notify).Count);
        Assert.Equal("reminder", reminder["CONCORDE_EVENT"]);
        Assert.Equal(broken, reminder["CONCORDE_FAILED_DOMAINS"]);
        Assert.Equal(Summary(reminded), reminder.Stdin);

        var fixedConfig = profile.Read();
        fixedConfig["domains"]![broken]!["authenticators"] = new JsonObject { [Challenge.Http01] = ShamanProfile.Http01 };
        profile.Write(fixedConfig);
        (await ShamanProcess.RunAsync(["--force", profile.Directory])).Exited(0);

        var recovery = RecordingScripts.Calls(profile, Notify)[^1];
        Assert.Equal(3, RecordingScripts.Calls(profile, Notify).Count);
        Assert.Equal("recovery", recovery["CONCORDE_EVENT"]);
        Assert.Equal(broken, recovery["CONCORDE_RECOVERED_DOMAINS"]);
        Assert.Equal("", recovery["CONCORDE_FAILED_DOMAINS"]);
        var recovered = profile.Read();
        Assert.False(recovered.ContainsKey("notifiedFailedDomains"));
        Assert.False(recovered.ContainsKey("notifiedAt"));

        // Nothing failing, nothing notified before: a no-op run tells nothing and writes nothing.
        var before = profile.Snapshot()["shaman.json"];
        (await profile.RunAsync()).Exited(0);
        Assert.Equal(3, RecordingScripts.Calls(profile, Notify).Count);
        Assert.Equal(before, profile.Snapshot()["shaman.json"]);
    }

    [Theory]
    [InlineData("exit 3", "failed with exit status 3")]
    [InlineData("exec sleep 60", "did not finish within 2 s and was killed")]
    public async Task A_failing_or_hanging_notify_program_is_a_warning_and_the_recovery_is_told_again_next_run(string body, string reason)
    {
        using var profile = new ShamanProfile(pebble.Server);
        profile.WriteScript(Notify, body);
        var name = ShamanProfile.UniqueName("notify-broken-program");
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, name);
        config["notify"] = Notify;
        config["authenticatorTimeout"] = 2;
        // A failure of a domain since removed was notified: this run's recovery is news.
        config["notifiedFailedDomains"] = new JsonArray("gone.example");
        config["notifiedAt"] = DomainState.FormatTime(DateTimeOffset.UtcNow.AddHours(-1));
        profile.Write(config);
        var clock = Stopwatch.StartNew();

        var run = (await profile.RunAsync()).Exited(0);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the notify program was not stopped: {clock.Elapsed}");
        var warning = Assert.Single(run.Lines, l => l.StartsWith("WARNING notify program ", StringComparison.Ordinal));
        Assert.Contains(reason, warning, StringComparison.Ordinal);
        Assert.EndsWith("the recovery is notified again on the next run", warning, StringComparison.Ordinal);
        Assert.Equal(["gone.example"], profile.Read()["notifiedFailedDomains"]!.AsArray().Select(d => d!.GetValue<string>()));
    }

    /// <summary>What --quiet prints of a run: its WARNING and ERROR lines.</summary>
    private static string Summary(ShamanRun run) => string.Concat(run.Lines
        .Where(l => l.StartsWith("WARNING ", StringComparison.Ordinal) || l.StartsWith("ERROR ", StringComparison.Ordinal))
        .Select(l => l + "\n"));
}
