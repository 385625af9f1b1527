using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Contrib;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>The sequence that once let a certificate lapse behind a real nginx while everything said "served": a
/// validation failure backs the domain off, `--force` issues but `nginx -t` fails the deploy, nginx is fixed — and the
/// runs after that must deploy the certificate on disk whatever the backoff, while --status, the metrics and notify say
/// "not served" until nginx serves it.</summary>
public sealed class ShamanDeployLapseTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    private const string PublishNothing = "publish-nothing.sh";
    private const string Notify = "notify.sh";
    private const string Metrics = "concorde.prom";

    [Fact]
    public async Task A_deploy_that_failed_after_a_forced_issuance_runs_again_behind_the_backoff_and_nothing_says_served_until_nginx_serves_it()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("lapse");
        await using var nginx = await NginxServer.StartForAsync(profile, name, ct);
        // Exits 0 without publishing anything: the CA's validation finds 404.
        profile.WriteScript(PublishNothing, "exit 0");
        RecordingScripts.Write(profile, Notify);
        var config = profile.Config(new JsonObject { [Challenge.Http01] = ShamanProfile.Http01 }, ShamanProfile.Domains(name));
        config["deploy"] = ContribScript.ReloadNginx;
        config["verify"] = new JsonArray(nginx.Endpoint);
        config["notify"] = Notify;
        config["metrics"] = Metrics;
        profile.Write(config);
        var environment = new Dictionary<string, string> { ["NGINX_BIN"] = nginx.Command, ["NGINX_RELOAD"] = "signal" };

        (await profile.RunAsync(environment)).Exited(0);
        using var first = profile.AssertCertificate(name);
        Assert.True(profile.ReadDomain(name)["servedOk"]!.GetValue<bool>());

        // Renewal due, and the validation fails: the domain backs off for an hour.
        profile.Update(c =>
        {
            c["renewal"] = 100000;
            c["authenticators"]![Challenge.Http01] = PublishNothing;
        });
        (await profile.RunAsync(environment)).Exited(1);
        Assert.Equal(1, profile.ReadDomain(name)["failures"]!.GetValue<int>());
        var validation = Assert.Single(RecordingScripts.Calls(profile, Notify));
        Assert.Equal(("failure", name, ""), (validation["CONCORDE_EVENT"], validation["CONCORDE_FAILED_DOMAINS"], validation["CONCORDE_DEPLOY_FAILED_DOMAINS"]));

        // `--force` issues, but `nginx -t` fails: nginx keeps serving the first certificate.
        nginx.BreakConfiguration();
        profile.Update(c => c["authenticators"]![Challenge.Http01] = ShamanProfile.Http01);
        var forced = (await ShamanProcess.RunAsync(["--force", profile.Directory], environment)).Exited(1);
        using var second = profile.AssertCertificate(name);
        Assert.NotEqual(first.SerialNumber, second.SerialNumber);
        Assert.Contains(forced.ErrorLines, l => l.Contains("nginx -t failed", StringComparison.Ordinal));
        using (var served = await nginx.ServedCertificateAsync(name, ct)) Assert.Equal(first.SerialNumber, served.SerialNumber);
        var afterForce = profile.ReadDomain(name);
        Assert.False(afterForce.ContainsKey("failures"), "the issuance succeeded: the validation failure is over");
        Assert.True(afterForce["deployPending"]!.GetValue<bool>());
        Assert.False(afterForce["servedOk"]!.GetValue<bool>(), "the servedOk of the first certificate must not carry over to the second");
        await AssertNotServedAsync(profile, name, nginx);
        var deploy = RecordingScripts.Calls(profile, Notify)[^1];
        Assert.Equal(("failure", name, name), (deploy["CONCORDE_EVENT"], deploy["CONCORDE_FAILED_DOMAINS"], deploy["CONCORDE_DEPLOY_FAILED_DOMAINS"]));
        Assert.Contains(deploy.Stdin.Split('\n'), l => l.StartsWith($"ERROR {name}: ", StringComparison.Ordinal) && l.Contains("nginx -t failed", StringComparison.Ordinal));

        // The renewal fails again (nothing published): the order backs off, and the pending deploy is tried all the same.
        profile.Update(c => c["authenticators"]![Challenge.Http01] = PublishNothing);
        var failedOrder = (await profile.RunAsync(environment)).Exited(1);
        Assert.Contains(failedOrder.ErrorLines, l => l.Contains("nginx -t failed", StringComparison.Ordinal));
        Assert.Equal(1, profile.ReadDomain(name)["failures"]!.GetValue<int>());
        await AssertNotServedAsync(profile, name, nginx);

        // nginx is fixed. The domain still backs off its order, but the run deploys the certificate on disk.
        nginx.RepairConfiguration();
        var dryRun = (await ShamanProcess.RunAsync(["--dry-run", profile.Directory])).Exited(1);
        Assert.Contains(dryRun.Lines, l => l.StartsWith($"{name}: would run the deploy hook again (it failed after the last certificate change), " +
                                                        $"then verify that {nginx.Endpoint} serves the certificate (after the deploy), then skip: 1 failed attempt", StringComparison.Ordinal));
        var notifiedBefore = RecordingScripts.Calls(profile, Notify).Count;
        var behindBackoff = (await profile.RunAsync(environment)).Exited(1);
        Assert.Contains(behindBackoff.Lines, l => l.StartsWith($"WARNING {name}: skipped after 1 failed attempt", StringComparison.Ordinal));
        Assert.DoesNotContain(behindBackoff.Lines, l => l.Contains("created order", StringComparison.Ordinal));
        Assert.Contains($"INFO {name}: {nginx.Endpoint} serves the certificate in {ShamanProfile.CertificateFile(name)} (serial {second.SerialNumber})", behindBackoff.Lines);
        await nginx.WaitUntilServingAsync(name, second.SerialNumber, ct);
        var deployed = profile.ReadDomain(name);
        Assert.False(deployed.ContainsKey("deployPending"));
        Assert.True(deployed["servedOk"]!.GetValue<bool>());
        var samples = PrometheusText.Samples(File.ReadAllText(profile.PathOf(Metrics)));
        Assert.Equal(1, samples[$"concorde_domain_served_ok{Labels(profile, name)}"]);
        Assert.Equal(0, samples[$"concorde_domain_deploy_pending{Labels(profile, name)}"]);
        Assert.Equal(notifiedBefore, RecordingScripts.Calls(profile, Notify).Count);
    }

    /// <summary>--status, its JSON and the metrics file all say the certificate on disk is not served and its deploy is pending.</summary>
    private static async Task AssertNotServedAsync(ShamanProfile profile, string name, NginxServer nginx)
    {
        var table = (await ShamanProcess.RunAsync(["--status", profile.Directory])).Exited(1);
        Assert.Contains($"served by {nginx.Endpoint} for {name}: NO, at the last check", table.Lines);
        Assert.Contains(table.Lines, l => l.StartsWith($"deploy pending for {name}: ", StringComparison.Ordinal));
        var json = JsonNode.Parse((await ShamanProcess.RunAsync(["--status", "--json", profile.Directory])).Exited(1).Stdout)!["domains"]![0]!;
        Assert.False(json["servedOk"]!.GetValue<bool>());
        Assert.True(json["deployPending"]!.GetValue<bool>());
        var samples = PrometheusText.Samples(File.ReadAllText(profile.PathOf(Metrics)));
        Assert.Equal(0, samples[$"concorde_domain_served_ok{Labels(profile, name)}"]);
        Assert.Equal(1, samples[$"concorde_domain_deploy_pending{Labels(profile, name)}"]);
    }

    private static string Labels(ShamanProfile profile, string name) => $"{{profile=\"{Path.GetFileName(profile.Directory)}\",domain=\"{name}\"}}";
}
