using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>shaman.json's "environment" reaches every program shaman runs, whoever started shaman (cron, a timer, a
/// root shell): the profile's variables reach authenticators, cleanup, deploy and notify; a domain's own entries
/// replace the profile's for that domain only (notify gets the profile's); shaman's CONCORDE_* names are refused.</summary>
public sealed class ShamanEnvironmentTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    private const string Authenticator = "record-http01.sh";
    private const string FailingAuthenticator = "record-refuse.sh";
    private const string Cleanup = "record-cleanup.sh";
    private const string Deploy = "record-deploy.sh";
    private const string Notify = "record-notify.sh";

    [Fact]
    public async Task Profile_environment_reaches_every_program_and_a_domains_entries_override_it_for_that_domain_only()
    {
        using var profile = new ShamanProfile(pebble.Server);
        RecordingScripts.Write(profile, Authenticator, then: ShamanProfile.Http01);
        RecordingScripts.Write(profile, FailingAuthenticator, exitCode: 1);
        foreach (var program in new[] { Cleanup, Deploy, Notify }) RecordingScripts.Write(profile, program);
        var (shared, own, broken) = (ShamanProfile.UniqueName("env-shared"), ShamanProfile.UniqueName("env-own"), ShamanProfile.UniqueName("env-broken"));
        var config = profile.Config(Challenge.Http01, Authenticator, shared, own, broken);
        config["cleanup"] = new JsonObject { [Challenge.Http01] = Cleanup };
        config["deploy"] = Deploy;
        config["notify"] = Notify;
        config["environment"] = new JsonObject { ["RECORDED_WEBROOT"] = "/var/www/html", ["RECORDED_ZONE"] = "profile zone" };
        config["domains"]![own]!["environment"] = new JsonObject { ["RECORDED_ZONE"] = "own zone" };
        config["domains"]![broken]!["authenticators"] = new JsonObject { [Challenge.Http01] = FailingAuthenticator };
        config["domains"]![broken]!["environment"] = new JsonObject { ["RECORDED_ZONE"] = "broken zone" };
        profile.Write(config);

        // The failing domain makes the run notify.
        (await profile.RunAsync()).Exited(1);

        var zones = new Dictionary<string, string> { [shared] = "profile zone", [own] = "own zone", [broken] = "broken zone" };
        var challengeCalls = RecordingScripts.Calls(profile, Authenticator).Concat(RecordingScripts.Calls(profile, FailingAuthenticator))
            .Concat(RecordingScripts.Calls(profile, Cleanup)).ToList();
        // Three authenticators and three cleanups: cleanup runs after a failed authenticator too.
        Assert.Equal(6, challengeCalls.Count);
        Assert.All(challengeCalls, call => Assert.Equal(zones[call["CONCORDE_IDENTIFIER"]], call["RECORDED_ZONE"]));
        var deployed = RecordingScripts.Calls(profile, Deploy);
        Assert.Equal([own, shared], deployed.Select(call => call["CONCORDE_DOMAIN"]).Order(StringComparer.Ordinal));
        Assert.All(deployed, call => Assert.Equal(zones[call["CONCORDE_DOMAIN"]], call["RECORDED_ZONE"]));
        var notified = Assert.Single(RecordingScripts.Calls(profile, Notify));
        Assert.Equal(broken, notified["CONCORDE_FAILED_DOMAINS"]);
        Assert.Equal("profile zone", notified["RECORDED_ZONE"]);
        Assert.All([.. challengeCalls, .. deployed, notified], call => Assert.Equal("/var/www/html", call["RECORDED_WEBROOT"]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("domain")]
    public async Task A_concorde_variable_in_environment_is_refused_with_exit_2_and_nothing_changes(string where)
    {
        using var profile = new ShamanProfile(pebble.Server);
        RecordingScripts.Write(profile, Authenticator, then: ShamanProfile.Http01);
        var name = ShamanProfile.UniqueName("env-refused");
        var config = profile.Config(Challenge.Http01, Authenticator, name);
        var owner = where == "domain" ? config["domains"]![name]!.AsObject() : config;
        owner["environment"] = new JsonObject { ["CONCORDE_DOMAIN"] = "forged.example.com" };
        profile.Write(config);
        var before = profile.Snapshot();

        var run = (await profile.RunAsync()).Exited(2);

        var prefix = where == "domain" ? $"domain \"{name}\": " : "";
        Assert.Equal($"shaman: shaman.json: {prefix}\"environment\": \"CONCORDE_DOMAIN\" is refused: shaman sets the CONCORDE_ variables itself; choose another name\n", run.Stderr);
        Assert.Equal(before, profile.Snapshot());
        Assert.Empty(RecordingScripts.Calls(profile, Authenticator));
    }
}
