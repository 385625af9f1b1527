using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>`deploy` runs after a domain's certificate file changed (profile-wide or per domain) and its
/// failure neither re-issues nor backs off; `cleanup` runs after each challenge finished, valid or not, with the
/// authenticator's stdin and environment.</summary>
public sealed class ShamanHookTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    private const string DeployAll = "deploy-all.sh";
    private const string DeployOwn = "deploy-own.sh";
    private const string RecordingHttp01 = "record-http01.sh";
    private const string PublishNothing = "publish-nothing.sh";
    private const string Cleanup = "cleanup-http01.sh";
    /// <summary>Keeps a copy of the certificate file as the deploy program saw it.</summary>
    private const string CopyCertificate = "cp \"$CONCORDE_CERT_PATH\" \"$call.pem\"";

    [Fact]
    public async Task Deploy_runs_once_per_changed_certificate_file_with_the_domain_or_the_profile_program()
    {
        using var profile = new ShamanProfile(pebble.Server);
        RecordingScripts.Write(profile, DeployAll, also: CopyCertificate);
        RecordingScripts.Write(profile, DeployOwn, also: CopyCertificate);
        var (shared, own) = (ShamanProfile.UniqueName("deploy-shared"), ShamanProfile.UniqueName("deploy-own"));
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, shared, own);
        config["deploy"] = DeployAll;
        config["domains"]![own]!["deploy"] = DeployOwn;
        profile.Write(config);

        var first = (await profile.RunAsync()).Exited(0);

        foreach (var (name, program) in new[] { (shared, DeployAll), (own, DeployOwn) })
        {
            var call = Assert.Single(RecordingScripts.Calls(profile, program));
            Assert.Equal(name, call["CONCORDE_DOMAIN"]);
            Assert.Equal(profile.PathOf(ShamanProfile.CertificateFile(name)), call["CONCORDE_CERT_PATH"]);
            Assert.Equal(profile.PathOf(ShamanProfile.KeyFile(name)), call["CONCORDE_KEY_PATH"]);
            // The program ran after the new file was in place.
            Assert.Equal(File.ReadAllText(call["CONCORDE_CERT_PATH"]), File.ReadAllText(call.Files + ".pem"));
            Assert.Contains($"INFO {name}: deployed with {program}", first.Lines);
        }

        var second = (await profile.RunAsync()).Exited(0);

        Assert.Single(RecordingScripts.Calls(profile, DeployAll));
        Assert.Single(RecordingScripts.Calls(profile, DeployOwn));
        Assert.DoesNotContain(second.Lines, l => l.Contains("deployed with", StringComparison.Ordinal));

        // A certificate file restored from the CA is a changed file too.
        File.Delete(profile.PathOf(ShamanProfile.CertificateFile(own)));
        (await profile.RunAsync()).Exited(0);

        Assert.Single(RecordingScripts.Calls(profile, DeployAll));
        Assert.Equal(2, RecordingScripts.Calls(profile, DeployOwn).Count);
    }

    [Fact]
    public async Task Failing_deploy_exits_1_keeps_the_certificate_and_is_retried_each_run_until_it_succeeds_without_reissuing_or_backing_off()
    {
        using var profile = new ShamanProfile(pebble.Server);
        RecordingScripts.Write(profile, DeployAll, exitCode: 3, also: "echo 'nginx: [emerg] cannot load certificate' >&2");
        var name = ShamanProfile.UniqueName("deploy-fails");
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, name);
        config["deploy"] = DeployAll;
        profile.Write(config);

        // As from cron: the error line alone says why the hook failed.
        var first = (await ShamanProcess.RunAsync(["--quiet", profile.Directory])).Exited(1);

        Assert.Contains(first.ErrorLines, l => l.StartsWith($"ERROR {name}: deploy program ", StringComparison.Ordinal)
                                               && l.Contains("failed with exit status 3; its stderr ends: nginx: [emerg] cannot load certificate; " +
                                                             "the new certificate is in place", StringComparison.Ordinal));
        using var leaf = profile.AssertCertificate(name);
        var domain = profile.ReadDomain(name);
        Assert.False(domain.ContainsKey("failures") || domain.ContainsKey("lastFailure") || domain.ContainsKey("lastError"), domain.ToJsonString());
        Assert.True(domain["deployPending"]!.GetValue<bool>());
        var certificate = File.ReadAllText(profile.PathOf(ShamanProfile.CertificateFile(name)));

        // --dry-run and --status do not hide the deploy the next run makes.
        var dryRun = (await ShamanProcess.RunAsync(["--dry-run", profile.Directory])).Exited(0);
        Assert.Contains(dryRun.Lines, l => l.StartsWith($"{name}: would run the deploy hook again (it failed after the last certificate change), " +
                                                        "then do nothing: valid for ", StringComparison.Ordinal));
        var status = (await ShamanProcess.RunAsync(["--status", "--json", profile.Directory])).Exited(1);
        Assert.Contains("\"deployPending\": true", status.Stdout, StringComparison.Ordinal);

        // Still failing: tried again, still no new certificate and no backoff.
        (await profile.RunAsync()).Exited(1);
        Assert.Equal(2, RecordingScripts.Calls(profile, DeployAll).Count);

        // Fixed: the pending deploy runs once more and is done; the certificate was never re-issued.
        RecordingScripts.Write(profile, DeployAll);
        var fixedRun = (await profile.RunAsync()).Exited(0);
        var afterFix = (await profile.RunAsync()).Exited(0);

        Assert.DoesNotContain(fixedRun.Lines.Concat(afterFix.Lines), l => l.Contains("created order", StringComparison.Ordinal));
        Assert.Equal(certificate, File.ReadAllText(profile.PathOf(ShamanProfile.CertificateFile(name))));
        Assert.Equal(3, RecordingScripts.Calls(profile, DeployAll).Count);
        Assert.False(profile.ReadDomain(name).ContainsKey("deployPending"));
        var done = (await ShamanProcess.RunAsync(["--dry-run", profile.Directory])).Exited(0);
        Assert.Contains(done.Lines, l => l.StartsWith($"{name}: would do nothing: valid for ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cleanup_runs_after_each_valid_challenge_with_the_authenticators_stdin_and_environment()
    {
        using var profile = new ShamanProfile(pebble.Server);
        RecordingScripts.Write(profile, RecordingHttp01, then: ShamanProfile.Http01);
        RecordingScripts.Write(profile, Cleanup);
        var name = ShamanProfile.UniqueName("cleanup");
        var config = profile.Config(new JsonObject { [Challenge.Http01] = RecordingHttp01 },
            new JsonObject { [name] = new JsonObject { ["altNames"] = new JsonArray($"www.{name}") } });
        config["cleanup"] = new JsonObject { [Challenge.Http01] = Cleanup };
        profile.Write(config);

        var run = (await profile.RunAsync()).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        var authenticated = RecordingScripts.Calls(profile, RecordingHttp01);
        var cleaned = RecordingScripts.Calls(profile, Cleanup);
        Assert.Equal(2, authenticated.Count);
        Assert.Equal(authenticated.Select(c => c.Challenge), cleaned.Select(c => c.Challenge));
        Assert.Equal(authenticated.Select(c => c.Stdin), cleaned.Select(c => c.Stdin));
        Assert.Equal([name, $"www.{name}"], cleaned.Select(c => c["CONCORDE_IDENTIFIER"]).Order(StringComparer.Ordinal));
        Assert.All(cleaned, c => Assert.Equal($"{c["CONCORDE_TOKEN"]}\n{c["CONCORDE_KEY_AUTHORIZATION"]}\n", c.Stdin));
        // Each cleanup ran once its challenge was done: after the authorization became valid.
        var lines = run.Lines.ToList();
        foreach (var identifier in new[] { name, $"www.{name}" })
        {
            var authorized = lines.IndexOf($"INFO {name}: {identifier} is authorized");
            var cleanup = lines.FindIndex(l => l.StartsWith($"INFO {name}: http-01 cleanup {Cleanup} stdout: recorded call: http-01 {identifier}", StringComparison.Ordinal));
            Assert.True(authorized >= 0 && cleanup > authorized, $"cleanup of {identifier} before its validation finished:{Environment.NewLine}{run}");
        }
    }

    [Fact]
    public async Task Cleanup_runs_after_a_failed_validation_too()
    {
        using var profile = new ShamanProfile(pebble.Server);
        RecordingScripts.Write(profile, PublishNothing);
        RecordingScripts.Write(profile, Cleanup);
        var name = ShamanProfile.UniqueName("cleanup-invalid");
        var config = profile.Config(Challenge.Http01, PublishNothing, name);
        config["domains"]![name]!["cleanup"] = new JsonObject { [Challenge.Http01] = Cleanup };
        profile.Write(config);

        var run = (await profile.RunAsync()).Exited(1);

        Assert.Contains(run.ErrorLines, l => l.StartsWith($"ERROR {name}: validation of {name} with http-01 failed", StringComparison.Ordinal));
        var authenticated = Assert.Single(RecordingScripts.Calls(profile, PublishNothing));
        var cleaned = Assert.Single(RecordingScripts.Calls(profile, Cleanup));
        Assert.Equal(authenticated.Challenge, cleaned.Challenge);
        Assert.Equal(authenticated.Stdin, cleaned.Stdin);
        Assert.False(File.Exists(profile.PathOf(ShamanProfile.CertificateFile(name))));
    }
}
