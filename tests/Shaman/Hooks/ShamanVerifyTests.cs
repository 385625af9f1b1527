using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Contrib;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>`verify`: after a deploy, a real nginx on loopback is asked over TLS which certificate it serves; a deploy
/// that did not make it serve the file's certificate fails the run and stays pending.</summary>
public sealed class ShamanVerifyTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    private const string NoReload = "deploy-without-reload.sh";

    [Fact]
    public async Task Verify_sees_the_reloaded_nginx_serve_the_new_serial_fails_naming_the_endpoint_when_not_reloaded_and_recovers_with_a_working_deploy()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("verify");
        await using var nginx = await NginxServer.StartForAsync(profile, name, ct);
        profile.WriteScript(NoReload, "exit 0");
        // 100000 days: every run renews, so each run has a new certificate to deploy and verify.
        var config = profile.Config(new JsonObject { [Challenge.Http01] = ShamanProfile.Http01 }, ShamanProfile.Domains(name), renewal: 100000);
        config["deploy"] = ContribScript.ReloadNginx;
        config["verify"] = new JsonArray(nginx.Endpoint);
        profile.Write(config);
        var environment = new Dictionary<string, string> { ["NGINX_BIN"] = nginx.Command, ["NGINX_RELOAD"] = "signal" };

        var dryRun = (await ShamanProcess.RunAsync(["--dry-run", profile.Directory])).Exited(0);
        // nginx's placeholder key is adopted; its self-issued certificate is not (a placeholder is replaced at once).
        Assert.Contains($"{name}: would order a certificate for {name}, then verify that {nginx.Endpoint} serves it", dryRun.Lines);

        // Issued, deployed by the real reload, and seen served.
        var first = (await profile.RunAsync(environment)).Exited(0);
        using var firstLeaf = profile.AssertCertificate(name);
        Assert.Contains($"INFO {name}: {nginx.Endpoint} serves the certificate in {ShamanProfile.CertificateFile(name)} (serial {firstLeaf.SerialNumber})", first.Lines);
        await nginx.WaitUntilServingAsync(name, firstLeaf.SerialNumber, ct);
        Assert.True(profile.ReadDomain(name)["servedOk"]!.GetValue<bool>());
        Assert.False(profile.ReadDomain(name).ContainsKey("deployPending"));

        // A deploy that exits 0 without reloading: nginx keeps the first certificate, and the run says so.
        profile.Update(c => c["deploy"] = NoReload);
        var second = (await ShamanProcess.RunAsync(["--quiet", profile.Directory], environment)).Exited(1);
        using var secondLeaf = profile.AssertCertificate(name);
        Assert.NotEqual(firstLeaf.SerialNumber, secondLeaf.SerialNumber);
        Assert.Contains(second.ErrorLines, l => l.StartsWith($"ERROR {name}: {nginx.Endpoint} does not serve the certificate in {ShamanProfile.CertificateFile(name)} " +
                                                             $"(serial {secondLeaf.SerialNumber}): it serves serial {firstLeaf.SerialNumber}, not after {firstLeaf.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; " +
                                                             "the deploy step runs again on the next run", StringComparison.Ordinal));
        var failed = profile.ReadDomain(name);
        Assert.True(failed["deployPending"]!.GetValue<bool>());
        Assert.False(failed["servedOk"]!.GetValue<bool>());
        Assert.False(failed.ContainsKey("failures"), "a deploy that was not served does not back off issuance");
        var status = (await ShamanProcess.RunAsync(["--status", "--json", profile.Directory])).Exited(1);
        Assert.Contains("\"servedOk\": false", status.Stdout, StringComparison.Ordinal);
        var table = (await ShamanProcess.RunAsync(["--status", profile.Directory])).Exited(1);
        Assert.Contains($"served by {nginx.Endpoint} for {name}: NO, at the last check", table.Lines);

        // The working deploy again, and no renewal due: the pending deploy reloads nginx and the check passes.
        profile.Update(c =>
        {
            c["deploy"] = ContribScript.ReloadNginx;
            c["renewal"] = 30;
        });
        var pending = (await ShamanProcess.RunAsync(["--dry-run", profile.Directory])).Exited(0);
        Assert.Contains(pending.Lines, l => l.StartsWith($"{name}: would run the deploy hook again (it failed after the last certificate change), " +
                                                         $"then verify that {nginx.Endpoint} serves the certificate (after the deploy), then do nothing", StringComparison.Ordinal));
        var third = (await profile.RunAsync(environment)).Exited(0);
        Assert.DoesNotContain(third.Lines, l => l.Contains("created order", StringComparison.Ordinal));
        Assert.Contains($"INFO {name}: {nginx.Endpoint} serves the certificate in {ShamanProfile.CertificateFile(name)} (serial {secondLeaf.SerialNumber})", third.Lines);
        await nginx.WaitUntilServingAsync(name, secondLeaf.SerialNumber, ct);
        var recovered = profile.ReadDomain(name);
        Assert.True(recovered["servedOk"]!.GetValue<bool>());
        Assert.False(recovered.ContainsKey("deployPending"));

        // Served and current: the next run checks nothing and writes nothing.
        var before = profile.Snapshot();
        var quiet = (await profile.RunAsync(environment)).Exited(0);
        Assert.DoesNotContain(quiet.Lines, l => l.Contains(nginx.Endpoint, StringComparison.Ordinal));
        Assert.Equal(before, profile.Snapshot());
    }

    [Fact]
    public async Task An_endpoint_nobody_listens_on_fails_the_run_naming_it_and_is_checked_again_on_the_next_run()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("verify-unreachable");
        var endpoint = $"127.0.0.1:{FreePorts.GetTcpPort()}";
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, name);
        config["domains"]![name]!["verify"] = new JsonArray(endpoint);
        profile.Write(config);

        var first = (await profile.RunAsync()).Exited(1);

        using var leaf = profile.AssertCertificate(name);
        Assert.Contains(first.ErrorLines, l => l.StartsWith($"ERROR {name}: {endpoint} does not serve the certificate in {ShamanProfile.CertificateFile(name)} " +
                                                            $"(serial {leaf.SerialNumber}): it cannot be reached over TLS (", StringComparison.Ordinal)
                                               && l.EndsWith("; it is checked again on the next run", StringComparison.Ordinal));
        Assert.False(profile.ReadDomain(name)["servedOk"]!.GetValue<bool>());

        var second = (await profile.RunAsync()).Exited(1);
        Assert.Contains(second.ErrorLines, l => l.StartsWith($"ERROR {name}: {endpoint} does not serve", StringComparison.Ordinal));
        Assert.DoesNotContain(second.Lines, l => l.Contains("created order", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[\"example.com\"]", "\"verify\": \"example.com\" is not host:port")]
    [InlineData("[\"::1:443\"]", "\"verify\": \"::1:443\" has an IPv6 address without brackets")]
    [InlineData("[\"127.0.0.1:0\"]", "\"verify\": \"127.0.0.1:0\" has no port between 1 and 65535")]
    [InlineData("[\"[127.0.0.1]:443\"]", "\"verify\": \"[127.0.0.1]:443\" has no IPv6 address between the brackets")]
    [InlineData("[\"exa mple.com:443\"]", "\"verify\": \"exa mple.com:443\" names no host")]
    [InlineData("[443]", "\"verify\" must contain only strings")]
    public async Task A_malformed_endpoint_is_a_configuration_error_that_changes_nothing(string verify, string message)
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("verify-malformed");
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, name);
        config["verify"] = JsonNode.Parse(verify);
        profile.Write(config);
        var before = profile.Snapshot();

        var run = (await profile.RunAsync()).Exited(2);

        Assert.Contains(message, run.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, profile.Snapshot());
    }
}
