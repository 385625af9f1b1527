using System.Text.Json;
using System.Text.Json.Nodes;
using Concorde.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>`--status DIR...` as a monitoring check: every profile in one output, and an exit status that says whether
/// anything needs attention (0 nothing, 1 a domain or run does, 2 a profile cannot be read); `--dry-run` warns as the
/// run would and exits 1 when it foresees a failure.</summary>
public sealed class ShamanStatusCheckTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly ScriptedCa _ca = new(new AutoAdvancingTimeProvider(Now));
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (var owned in _owned) owned.Dispose();
        _ca.Dispose();
    }

    [Fact]
    public async Task Status_of_several_profiles_shows_each_and_exits_1_when_a_domain_needs_attention()
    {
        var fine = await FineProfileAsync();
        var troubled = await TroubledProfileAsync();

        (await RunAsync(fine, "--status")).Exited(0);
        var single = (await RunAsync(troubled, "--status")).Exited(1);
        var table = (await RunAsync(troubled, "--status", fine.Directory)).Exited(1);
        var quiet = (await RunAsync(troubled, "--status", "--quiet", fine.Directory)).Exited(1);

        Assert.Empty(_ca.Handler.Requests);
        // One profile: the table as it always was, no heading.
        Assert.StartsWith("DOMAIN ", single.Stdout, StringComparison.Ordinal);
        Assert.Equal([$"==> {fine.Directory} <==", $"==> {troubled.Directory} <=="], table.Lines.Where(l => l.StartsWith("==> ", StringComparison.Ordinal)));
        Assert.Contains(table.Lines, l => l.StartsWith("fine.example.com ", StringComparison.Ordinal));
        Assert.Contains(table.Lines, l => l.StartsWith("due.example.com ", StringComparison.Ordinal));
        // --quiet: only what needs attention, one line per domain, for a check's status line and for mail.
        Assert.Equal(
            [
                $"{troubled.Directory}: due.example.com: past its renewal time 2030-02-19 00:00 UTC",
                $"{troubled.Directory}: failing.example.com: backing off after 2 failed attempts until 2030-03-01 01:50 UTC",
                $"{troubled.Directory}: deploy.example.com: deploy pending",
                $"{troubled.Directory}: unserved.example.com: not served by 127.0.0.1:9",
                $"{troubled.Directory}: new.example.com: no usable certificate",
            ], quiet.Lines);
    }

    [Fact]
    public async Task Status_json_of_several_profiles_is_one_document_and_an_unreadable_profile_exits_2()
    {
        var fine = await FineProfileAsync();
        var troubled = await TroubledProfileAsync();
        var missing = Path.Combine(fine.Directory, "no-such-profile");

        var run = (await RunAsync(fine, "--status", "--json", missing, troubled.Directory)).Exited(2);

        Assert.Contains($"shaman: {missing}: no such profile directory", run.Stderr, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(run.Stdout);
        var profiles = document.RootElement.GetProperty("profiles").EnumerateArray().ToList();
        Assert.Equal([missing, troubled.Directory, fine.Directory], profiles.Select(p => p.GetProperty("directory").GetString()));
        Assert.Equal($"{missing}: no such profile directory", profiles[0].GetProperty("error").GetString());
        Assert.False(profiles[0].TryGetProperty("domains", out _));
        var domains = profiles[1].GetProperty("domains").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!);
        Assert.Equal(["deploy pending"], domains["deploy.example.com"].GetProperty("attention").EnumerateArray().Select(r => r.GetString()));
        Assert.False(domains["unserved.example.com"].GetProperty("servedOk").GetBoolean());
        Assert.Equal(0, profiles[1].GetProperty("run").GetProperty("failures").GetInt32());
        var fineDomain = Assert.Single(profiles[2].GetProperty("domains").EnumerateArray());
        Assert.Empty(fineDomain.GetProperty("attention").EnumerateArray());

        // One profile keeps its own document, now with "attention"; a profile whose last run failed needs attention too.
        fine.Update(root => { root["runFailures"] = 1; root["runLastFailure"] = ScriptedCa.Format(Now.AddHours(-1)); root["runLastError"] = "server: unreachable"; });
        var one = (await RunAsync(fine, "--status", "--json")).Exited(1);
        Assert.Equal(1, JsonNode.Parse(one.Stdout)!["run"]!["failures"]!.GetValue<int>());
    }

    [Fact]
    public async Task Dry_run_warns_as_the_run_would_and_exits_1_when_a_domain_would_fail_before_ordering()
    {
        var profile = await ScriptedProfileAsync("ok.example.com", "broken.example.com");
        _owned.Add(profile.InstallCertificate("ok.example.com", _ca.Authority, Now.AddDays(-10), Now.AddDays(80)));
        profile.UpdateDomain("ok.example.com", domain => domain["altnames"] = new JsonArray("www.ok.example.com"));
        // No authenticator at all: the domain without a certificate cannot be ordered.
        profile.Update(root => root["authenticators"] = new JsonObject());
        File.SetUnixFileMode(profile.PathOf("ok.example.com.key.priv.pem"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var before = File.ReadAllText(profile.PathOf(ProfileSettings.FileName));

        var run = (await profile.RunAsync(_ca, new AutoAdvancingTimeProvider(Now), options: "--dry-run")).Exited(1);

        Assert.Empty(_ca.Handler.Requests);
        Assert.Equal(before, File.ReadAllText(profile.PathOf(ProfileSettings.FileName)));
        Assert.Contains("WARNING shaman.json: unknown field \"altnames\" in domain \"ok.example.com\" has no effect (it is kept in the file); did you mean \"altNames\"?", run.Lines);
        Assert.Contains($"WARNING private key {profile.PathOf("ok.example.com.key.priv.pem")} is readable by other users; fix: chmod 600 {profile.PathOf("ok.example.com.key.priv.pem")}", run.Lines);
        Assert.Contains(run.Lines, l => l.StartsWith("ERROR broken.example.com: would fail before ordering: no authenticator is configured", StringComparison.Ordinal));

        profile.Update(root => root["authenticators"] = new JsonObject { ["http-01"] = "true" });
        (await profile.RunAsync(_ca, new AutoAdvancingTimeProvider(Now), options: "--dry-run")).Exited(0);
    }

    /// <summary>One domain whose certificate is current, served and deployed.</summary>
    private async Task<ScriptedProfile> FineProfileAsync()
    {
        var profile = await ScriptedProfileAsync("fine.example.com");
        _owned.Add(profile.InstallCertificate("fine.example.com", _ca.Authority, Now.AddDays(-10), Now.AddDays(80)));
        return profile;
    }

    /// <summary>A domain for each reason to look: due, backing off, deploy pending, not served, no certificate.</summary>
    private async Task<ScriptedProfile> TroubledProfileAsync()
    {
        string[] names = ["due.example.com", "failing.example.com", "deploy.example.com", "unserved.example.com", "new.example.com"];
        var profile = await ScriptedProfileAsync(names);
        _owned.Add(profile.InstallCertificate("due.example.com", _ca.Authority, Now.AddDays(-70), Now.AddDays(20)));
        foreach (var name in names[1..4]) _owned.Add(profile.InstallCertificate(name, _ca.Authority, Now.AddDays(-10), Now.AddDays(80)));
        profile.Update(root => root["deploy"] = "true");
        profile.UpdateDomain("failing.example.com", d =>
        {
            d["failures"] = 2;
            d["lastFailure"] = ScriptedCa.Format(Now.AddMinutes(-10));
            d["lastError"] = "failing.example.com: the CA said no";
        });
        profile.UpdateDomain("deploy.example.com", d => d["deployPending"] = true);
        profile.UpdateDomain("unserved.example.com", d =>
        {
            d["verify"] = new JsonArray("127.0.0.1:9");
            d["servedOk"] = false;
        });
        return profile;
    }

    private async Task<ScriptedProfile> ScriptedProfileAsync(params string[] names)
    {
        var profile = await ScriptedProfile.CreateAsync(names);
        _owned.Add(profile);
        return profile;
    }

    private Task<InProcessShamanRun> RunAsync(ScriptedProfile profile, params string[] options) =>
        profile.RunAsync(_ca, new AutoAdvancingTimeProvider(Now), options: options);
}
