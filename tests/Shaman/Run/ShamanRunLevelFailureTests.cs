using System.Diagnostics;
using System.Text.Json.Nodes;
using Concorde.Acme.Keys;
using Concorde.Acme.Wire;
using Concorde.Tests.Faults;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>What is not one domain's fault is not charged to the domains: an authenticator that cannot run fails its
/// domain before an order is wasted at the CA, and an account the CA no longer accepts is one `account:` error,
/// recorded once at profile level. Also what monitoring sees of such runs (notify) and of an interrupted one (metrics).
/// Against real Pebble, with the published binary.</summary>
public sealed class ShamanRunLevelFailureTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task Authenticator_that_cannot_run_fails_its_domain_before_any_order_while_the_other_domain_is_issued()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var good = ShamanProfile.UniqueName("auth-good");
        var missing = ShamanProfile.UniqueName("auth-missing");
        var unexecutable = ShamanProfile.UniqueName("auth-noexec");
        var none = ShamanProfile.UniqueName("auth-none");
        File.WriteAllText(profile.PathOf("not-executable.sh"), "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(profile.PathOf("not-executable.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var config = profile.Config(new JsonObject(), new JsonObject
        {
            [good] = new JsonObject { ["authenticators"] = new JsonObject { [Challenge.Http01] = ShamanProfile.Http01 } },
            [missing] = new JsonObject { ["authenticators"] = new JsonObject { [Challenge.Http01] = "no-such-authenticator" } },
            [unexecutable] = new JsonObject { ["authenticators"] = new JsonObject { [Challenge.Dns01] = "not-executable.sh" } },
            [none] = new JsonObject(),
        });
        config["parallel"] = 1;
        profile.Write(config);

        var dryRun = (await ShamanProcess.RunAsync(["--dry-run", profile.Directory])).Exited(1);

        Assert.Contains(dryRun.Lines, l => l.StartsWith($"ERROR {missing}: would fail before ordering: no authenticator can run: " +
                                                        $"its own http-01 authenticator \"no-such-authenticator\" is not found", StringComparison.Ordinal));
        Assert.Contains(dryRun.Lines, l => l.StartsWith($"ERROR {none}: would fail before ordering: no authenticator is configured", StringComparison.Ordinal));
        Assert.Contains(dryRun.Lines, l => l.StartsWith($"{good}: would create the key", StringComparison.Ordinal) && l.Contains("order a certificate", StringComparison.Ordinal));
        var ordersBefore = await NewOrdersAsync();

        var run = (await profile.RunAsync()).Exited(1);

        Assert.Equal(1, await NewOrdersAsync() - ordersBefore);
        using (profile.AssertCertificate(good)) { }
        var missingError = Assert.Single(run.ErrorLines, l => l.StartsWith($"ERROR {missing}: ", StringComparison.Ordinal));
        Assert.Contains("no order placed", missingError, StringComparison.Ordinal);
        Assert.Contains("http-01 authenticator \"no-such-authenticator\" is not found in the profile directory or on PATH", missingError, StringComparison.Ordinal);
        Assert.Contains("\"authenticators\" in shaman.json", missingError, StringComparison.Ordinal);
        var unexecutableError = Assert.Single(run.ErrorLines, l => l.StartsWith($"ERROR {unexecutable}: ", StringComparison.Ordinal));
        Assert.Contains($"dns-01 authenticator {profile.PathOf("not-executable.sh")} is not executable", unexecutableError, StringComparison.Ordinal);
        Assert.Contains("chmod +x", unexecutableError, StringComparison.Ordinal);
        Assert.Contains(run.ErrorLines, l => l.StartsWith($"ERROR {none}: no order placed, no authenticator is configured", StringComparison.Ordinal));
        Assert.Contains("ERROR 3 of 4 domains failed", run.ErrorLines);
        foreach (var failed in new[] { missing, unexecutable, none })
        {
            // A domain failure like any other: counted for its backoff, and nothing ordered.
            Assert.Equal(1, (int)profile.ReadDomain(failed)["failures"]!);
            Assert.Null(profile.ReadDomain(failed)["order_id"]);
        }
        Assert.Null(profile.Read()["runFailures"]);
    }

    [Fact]
    public async Task Deactivated_account_is_one_account_error_recorded_at_profile_level_and_a_new_account_then_works()
    {
        using var profile = new ShamanProfile(pebble.Server);
        string[] names = [ShamanProfile.UniqueName("deact1"), ShamanProfile.UniqueName("deact2"), ShamanProfile.UniqueName("deact3")];
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, names);
        config["parallel"] = 1;
        var account = await DeactivatedAccountAsync(profile);
        config["key"] = ShamanProfile.AccountKeyFile;
        config["account_id"] = account.AbsoluteUri;
        config["account_server"] = pebble.Server.DirectoryUrl.AbsoluteUri;
        profile.Write(config);
        var ordersBefore = await NewOrdersAsync();

        var failed = (await profile.RunAsync()).Exited(1);

        var error = Assert.Single(failed.ErrorLines);
        Assert.StartsWith($"ERROR account: the CA no longer accepts account {account}", error, StringComparison.Ordinal);
        Assert.Contains($"move the account key {ShamanProfile.AccountKeyFile} away and remove \"key\" and \"account_id\"", error, StringComparison.Ordinal);
        // The first domain's newOrder was refused; the run asked nothing more for the others.
        Assert.Equal(1, await NewOrdersAsync() - ordersBefore);
        Assert.Equal(1, (int)profile.Read()["runFailures"]!);
        foreach (var name in names) Assert.Null(profile.ReadDomain(name)["failures"]);
        var status = (await ShamanProcess.RunAsync(["--status", profile.Directory])).Exited(1);
        Assert.Contains("the last run failed (1 failed attempt): account: the CA no longer accepts account", status.Stdout, StringComparison.Ordinal);

        // Until the backoff ends, a plain run asks the CA nothing.
        var skipped = (await profile.RunAsync()).Exited(1);
        Assert.Contains(skipped.Lines, l => l.StartsWith("WARNING skipped after 1 failed attempt until ", StringComparison.Ordinal));
        Assert.Equal(1, await NewOrdersAsync() - ordersBefore);

        File.Move(profile.PathOf(ShamanProfile.AccountKeyFile), profile.PathOf("deactivated-account.key"));
        profile.Update(c =>
        {
            c.Remove("key");
            c.Remove("account_id");
        });
        (await ShamanProcess.RunAsync(["--force", profile.Directory])).Exited(0);

        foreach (var name in names) using (profile.AssertCertificate(name)) { }
        Assert.Null(profile.Read()["runFailures"]);
        Assert.NotEqual(account.AbsoluteUri, (string)profile.Read()["account_id"]!);
    }

    [Fact]
    public async Task Notify_tells_a_run_level_failure_and_its_recovery_once_the_CA_is_back()
    {
        const string notify = "notify.sh";
        using var profile = new ShamanProfile(pebble.Server);
        RecordingScripts.Write(profile, notify);
        await using var proxy = FaultProxy.Start(pebble.Server);
        string[] names = [ShamanProfile.UniqueName("notify-run1"), ShamanProfile.UniqueName("notify-run2")];
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, names);
        config["server"] = proxy.DirectoryUrl.AbsoluteUri;
        config["notify"] = notify;
        profile.Write(config);
        proxy.Inject(Fault.ServerError(503, retryAfterSeconds: 0), HttpMethod.Get, PebblePaths.Directory, FaultRule.Always);

        var down = (await profile.RunAsync()).Exited(1);

        var failure = Assert.Single(RecordingScripts.Calls(profile, notify));
        Assert.Equal("failure", failure["CONCORDE_EVENT"]);
        Assert.Equal("", failure["CONCORDE_FAILED_DOMAINS"]);
        var error = Assert.Single(down.ErrorLines);
        Assert.StartsWith("ERROR server: ", error, StringComparison.Ordinal);
        Assert.Contains(error, failure.Stdin.Split('\n'));
        Assert.StartsWith("server: ", (string)profile.Read()["notifiedRunError"]!, StringComparison.Ordinal);

        proxy.ClearFaults();
        (await ShamanProcess.RunAsync(["--force", profile.Directory])).Exited(0);

        foreach (var name in names) using (profile.AssertCertificate(name)) { }
        var recovery = RecordingScripts.Calls(profile, notify)[^1];
        Assert.Equal(2, RecordingScripts.Calls(profile, notify).Count);
        Assert.Equal("recovery", recovery["CONCORDE_EVENT"]);
        Assert.Equal("", recovery["CONCORDE_FAILED_DOMAINS"]);
        Assert.Null(profile.Read()["notifiedRunError"]);
    }

    [Fact]
    public async Task Sigterm_during_a_run_still_writes_the_metrics_with_exit_code_130()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("metrics-sigterm");
        var config = profile.Config(Challenge.Http01, ShamanProfile.SlowHttp01, name);
        config["metrics"] = "concorde.prom";
        profile.Write(config);
        using var shaman = ShamanProcess.Start([profile.Directory]);
        await Eventually.WaitUntilAsync(() => File.Exists(profile.PathOf(ShamanProfile.SlowStartedMarker)), TimeSpan.FromSeconds(30),
            "the slow authenticator to start");

        using (var kill = Process.Start("kill", ["-s", "TERM", $"{shaman.ProcessId}"]))
        {
            await kill.WaitForExitAsync();
            Assert.Equal(0, kill.ExitCode);
        }
        var run = (await shaman.WaitAsync(TimeSpan.FromSeconds(20))).Exited(130);

        var samples = PrometheusText.Samples(File.ReadAllText(profile.PathOf("concorde.prom")));
        var labels = $"{{profile=\"{Path.GetFileName(profile.Directory)}\"}}";
        Assert.Equal(130, samples["concorde_run_exit_code" + labels]);
        Assert.Equal(0, samples["concorde_domain_failures" + $"{{profile=\"{Path.GetFileName(profile.Directory)}\",domain=\"{name}\"}}"]);
        Assert.False(File.Exists(profile.PathOf(ShamanProfile.CertificateFile(name))), run.ToString());
    }

    /// <summary>newOrder requests Pebble has seen so far.</summary>
    private async Task<int> NewOrdersAsync()
    {
        await PebbleTraffic.SettledRequestsAsync(pebble.Server);
        return PebbleTraffic.Requests(pebble.Server, PebblePaths.NewOrder);
    }

    /// <summary>An account registered at Pebble with a key saved as the profile's account key, then deactivated
    /// (RFC 8555 §7.3.6) as an administrator would with `concorde account deactivate`. Returns its URL.</summary>
    private async Task<Uri> DeactivatedAccountAsync(ShamanProfile profile)
    {
        using var acme = await PebbleAcme.ConnectUnderDeadlineAsync(pebble.Server);
        var ct = acme.Cancellation;
        var account = await acme.NewAccountAsync(ct);
        await KeyFile.SaveAsync(profile.PathOf(ShamanProfile.AccountKeyFile), account.Key, ct);
        var deactivated = await acme.Client.DeactivateAccountAsync(account, ct);
        Assert.Equal(AcmeStatus.Deactivated, deactivated.Value.Status);
        return account.AccountUrl;
    }
}
