using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Concorde.Acme.Wire;
using Concorde.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>`--status` (table or `--json`) and `--dry-run` show per domain its names, state, notAfter,
/// days left, the planned renewal moment and its rule, the last error and the backoff — without a single request
/// to the CA and without changing a file.</summary>
public sealed partial class ShamanStatusTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task Status_table_json_and_dry_run_describe_every_domain_and_touch_nothing()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var (current, broken, fresh) = (ShamanProfile.UniqueName("status-ok"), ShamanProfile.UniqueName("status-broken"), ShamanProfile.UniqueName("status-new"));
        // No `renewal`: the plan is the lifetime rule's.
        var config = profile.Config(new JsonObject { [Challenge.Http01] = ShamanProfile.Http01 }, new JsonObject
        {
            [current] = new JsonObject { ["altNames"] = new JsonArray($"www.{current}") },
            [broken] = new JsonObject { ["authenticators"] = new JsonObject { [Challenge.Http01] = ShamanProfile.Failing } },
        }, renewal: null);
        profile.Write(config);
        (await profile.RunAsync()).Exited(1);
        var state = profile.Read();
        state["domains"]![fresh] = new JsonObject();
        profile.Write(state);
        using var leaf = profile.AssertCertificate(current);
        var notAfter = leaf.NotAfter.ToUniversalTime();
        var renewAt = notAfter - (notAfter - leaf.NotBefore.ToUniversalTime()) / 3;
        var brokenState = profile.ReadDomain(broken);
        var lastFailure = DateTimeOffset.Parse(brokenState["lastFailure"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        var requests = PebbleTraffic.Requests(pebble.Server);
        var before = profile.Snapshot();

        // Exit 1: one domain backs off, another has no certificate yet; the forced dry run would try both.
        var table = (await ShamanProcess.RunAsync(["--status", profile.Directory])).Exited(1);
        var json = (await ShamanProcess.RunAsync(["--status", "--json", profile.Directory])).Exited(1);
        var dryRun = (await ShamanProcess.RunAsync(["--dry-run", profile.Directory])).Exited(1);
        var forcedDryRun = (await ShamanProcess.RunAsync(["--dry-run", "--force", profile.Directory])).Exited(0);

        Assert.Equal(requests, await PebbleTraffic.SettledRequestsAsync(pebble.Server));
        Assert.Equal(before, profile.Snapshot());

        var rows = table.Lines.Select(l => Columns().Split(l)).ToList();
        Assert.Equal(["DOMAIN", "STATE", "NOT AFTER (UTC)", "DAYS LEFT", "RENEW AT (UTC)", "NEXT RUN"], rows[0]);
        var ok = rows.Single(r => r[0] == $"{current} (+1)");
        Assert.Equal("certificate", ok[1]);
        Assert.Equal(notAfter.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), ok[2]);
        Assert.InRange(double.Parse(ok[3], CultureInfo.InvariantCulture), (notAfter - DateTimeOffset.UtcNow).TotalDays - 0.2, (notAfter - DateTimeOffset.UtcNow).TotalDays + 0.1);
        Assert.Equal(renewAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), ok[4]);
        Assert.Contains("a third of the lifetime remaining", ok[5], StringComparison.Ordinal);
        var failing = rows.Single(r => r[0] == broken);
        Assert.Equal(["order, 1 failed attempt", "-", "-", "-"], failing[1..5]);
        Assert.StartsWith($"skip: 1 failed attempt, waiting until {lastFailure.AddHours(1):yyyy-MM-dd HH:mm} UTC (--force to try now)", failing[5], StringComparison.Ordinal);
        Assert.Equal(["no key", "-", "-", "-", $"create the key {fresh}.key.priv.pem, then order a certificate for {fresh}"], rows.Single(r => r[0] == fresh)[1..]);
        // The recorded error starts with the domain's name; the line names it once.
        var lastError = brokenState["lastError"]!.GetValue<string>();
        Assert.StartsWith($"{broken}: http-01 authenticator program ", lastError, StringComparison.Ordinal);
        Assert.Contains($"last error of {broken}: {lastError[$"{broken}: ".Length..]}", table.Lines);

        using var document = JsonDocument.Parse(json.Stdout);
        var domains = document.RootElement.GetProperty("domains").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!);
        var okJson = domains[current];
        Assert.Equal([current, $"www.{current}"], okJson.GetProperty("names").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal("certificate", okJson.GetProperty("state").GetString());
        Assert.Equal(profile.ReadDomain(current)["certificate_id"]!.GetValue<string>(), okJson.GetProperty("certificateUrl").GetString());
        Assert.Equal(DomainState.FormatTime(notAfter), okJson.GetProperty("notAfter").GetString());
        Assert.Equal(DomainState.FormatTime(renewAt), okJson.GetProperty("renewAt").GetString());
        Assert.Contains("a third of the lifetime remaining", okJson.GetProperty("renewalReason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, okJson.GetProperty("failures").GetInt32());
        Assert.Equal(JsonValueKind.Null, okJson.GetProperty("lastError").ValueKind);
        Assert.Equal(JsonValueKind.Null, okJson.GetProperty("backoffUntil").ValueKind);
        var brokenJson = domains[broken];
        Assert.Equal("order", brokenJson.GetProperty("state").GetString());
        Assert.Equal(brokenState["order_id"]!.GetValue<string>(), brokenJson.GetProperty("orderUrl").GetString());
        Assert.Equal(1, brokenJson.GetProperty("failures").GetInt32());
        Assert.Equal(brokenState["lastError"]!.GetValue<string>(), brokenJson.GetProperty("lastError").GetString());
        Assert.Equal(DomainState.FormatTime(lastFailure.AddHours(1)), brokenJson.GetProperty("backoffUntil").GetString());
        Assert.Equal(JsonValueKind.Null, brokenJson.GetProperty("notAfter").ValueKind);
        Assert.Equal("no key", domains[fresh].GetProperty("state").GetString());

        Assert.Equal(3, dryRun.Lines.Count);
        Assert.Contains(dryRun.Lines, l => l.StartsWith($"{current}: would do nothing: valid for ", StringComparison.Ordinal));
        Assert.Contains(dryRun.Lines, l => l.StartsWith($"{broken}: would skip: 1 failed attempt, waiting", StringComparison.Ordinal));
        Assert.Contains($"{fresh}: would create the key {fresh}.key.priv.pem, then order a certificate for {fresh}", dryRun.Lines);
        Assert.Contains($"{broken}: would continue order {brokenState["order_id"]!.GetValue<string>()}", forcedDryRun.Lines);
    }

    [Fact]
    public async Task Dry_run_of_a_new_profile_names_the_account_it_would_create_and_creates_nothing()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("dry");
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, name));
        var requests = PebbleTraffic.Requests(pebble.Server);
        var before = profile.Snapshot();

        var run = (await ShamanProcess.RunAsync(["--dry-run", profile.Directory])).Exited(0);

        Assert.Equal(
            [
                "would create the account key account.key.priv.pem",
                $"would create an account at {pebble.Server.DirectoryUrl}",
                $"{name}: would create the key {name}.key.priv.pem, then order a certificate for {name}",
            ], run.Lines);
        Assert.Equal(before, profile.Snapshot());
        Assert.Equal(requests, await PebbleTraffic.SettledRequestsAsync(pebble.Server));
    }

    [Fact]
    public async Task Status_names_the_ari_moment_and_dry_run_a_due_renewal_without_asking_the_ca()
    {
        var now = new DateTimeOffset(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(now));
        using var profile = await ScriptedProfile.CreateAsync("planned.example.com", "due.example.com");
        using var planned = profile.InstallCertificate("planned.example.com", ca.Authority, now.AddDays(-10), now.AddDays(80));
        using var due = profile.InstallCertificate("due.example.com", ca.Authority, now.AddDays(-10), now.AddDays(80));
        foreach (var (name, renewAt) in new[] { ("planned.example.com", now.AddDays(21)), ("due.example.com", now.AddHours(-2)) })
            profile.UpdateDomain(name, d => d["renewalInfo"] = new JsonObject
            {
                // Due for a new question to the CA: status and dry run must still not ask.
                ["checkAfter"] = ScriptedCa.Format(now.AddHours(-1)),
                ["windowStart"] = ScriptedCa.Format(renewAt.AddDays(-1)),
                ["windowEnd"] = ScriptedCa.Format(renewAt.AddDays(1)),
                ["renewAt"] = ScriptedCa.Format(renewAt),
            });
        var before = File.ReadAllText(profile.PathOf(ProfileSettings.FileName));

        var json = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(now), options: ["--status", "--json"])).Exited(1);
        var dryRun = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(now), options: "--dry-run")).Exited(0);

        Assert.Empty(ca.Handler.Requests);
        Assert.Equal(before, File.ReadAllText(profile.PathOf(ProfileSettings.FileName)));
        using var document = JsonDocument.Parse(json.Stdout);
        var domains = document.RootElement.GetProperty("domains").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!);
        Assert.Equal("2030-03-22T00:00:00Z", domains["planned.example.com"].GetProperty("renewAt").GetString());
        Assert.Contains("renewal window 2030-03-21 00:00 – 2030-03-23 00:00 UTC (ARI)", domains["planned.example.com"].GetProperty("renewalReason").GetString(), StringComparison.Ordinal);
        // Its ARI question is due: the run would ask before deciding; the dry run did not.
        Assert.Contains(dryRun.Lines, l => l.StartsWith("planned.example.com: would ask the CA for renewal information (ARI), then renew only if it says so; until then valid for 80 days", StringComparison.Ordinal));
        // Due by the recorded moment, but its ARI question is due too: the run asks first (the CA may move the renewal),
        // as it always did; the dry run says so now that both read the one decision (DomainDecision).
        Assert.Contains(dryRun.Lines, l => l.StartsWith("due.example.com: would ask the CA for renewal information (ARI), then renew unless it moves the renewal later: expires in 80 days", StringComparison.Ordinal)
                                           && l.Contains("(ARI)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_on_a_terminal_colours_current_green_due_or_deploy_pending_yellow_and_backing_off_red_and_plain_text_otherwise()
    {
        var now = new DateTimeOffset(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(now));
        using var profile = await ScriptedProfile.CreateAsync("green.example.com", "yellow.example.com", "red.example.com", "deploy.example.com");
        profile.InstallCertificate("green.example.com", ca.Authority, now.AddDays(-10), now.AddDays(80)).Dispose();
        profile.InstallCertificate("yellow.example.com", ca.Authority, now.AddDays(-80), now.AddDays(10)).Dispose();
        // Current, but its deploy hook failed after the last change: the next run runs it again.
        profile.InstallCertificate("deploy.example.com", ca.Authority, now.AddDays(-10), now.AddDays(80)).Dispose();
        profile.UpdateDomain("deploy.example.com", d =>
        {
            d["deploy"] = "reload.sh";
            d["deployPending"] = true;
        });
        profile.UpdateDomain("red.example.com", d =>
        {
            d["failures"] = 1;
            d["lastFailure"] = ScriptedCa.Format(now.AddMinutes(-5));
            d["lastError"] = "red.example.com: scripted failure";
        });

        var terminal = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(now), outputIsRedirected: false, options: "--status")).Exited(1);
        var redirected = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(now), outputIsRedirected: true, options: "--status")).Exited(1);

        // The table's line, not the notes below it ("last error of …", "deploy pending for …").
        string Line(string name) => terminal.Lines.Single(l => l.Contains(name, StringComparison.Ordinal) && !l.StartsWith("last error", StringComparison.Ordinal)
                                                               && !l.StartsWith("deploy pending", StringComparison.Ordinal));
        Assert.Contains("deploy pending for deploy.example.com: the deploy program has not succeeded for the certificate on disk; every run tries again", redirected.Lines);
        Assert.StartsWith("\u001b[32m", Line("green.example.com"), StringComparison.Ordinal);
        Assert.StartsWith("\u001b[33m", Line("yellow.example.com"), StringComparison.Ordinal);
        Assert.StartsWith("\u001b[31m", Line("red.example.com"), StringComparison.Ordinal);
        Assert.StartsWith("\u001b[33m", Line("deploy.example.com"), StringComparison.Ordinal);
        Assert.Contains("run the deploy hook again (it failed after the last certificate change), then ", Line("deploy.example.com"), StringComparison.Ordinal);
        Assert.DoesNotContain("deploy hook", Line("green.example.com"), StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', redirected.Stdout);
        Assert.Empty(ca.Handler.Requests);
    }

    [GeneratedRegex(" {2,}")]
    private static partial Regex Columns();
}
