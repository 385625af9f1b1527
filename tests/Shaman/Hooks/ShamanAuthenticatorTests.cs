using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>Which authenticator runs (the domain's own before the profile's), and a failing one fails
/// only its domain.</summary>
public sealed class ShamanAuthenticatorTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task Domain_authenticator_is_used_instead_of_a_failing_profile_authenticator()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("own-works");
        profile.Write(profile.Config(
            new JsonObject { [Challenge.Http01] = ShamanProfile.Failing },
            new JsonObject { [name] = new JsonObject { ["authenticators"] = new JsonObject { [Challenge.Http01] = ShamanProfile.Http01 } } }));

        var run = (await profile.RunAsync()).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        Assert.DoesNotContain(run.Lines, l => l.Contains(ShamanProfile.Failing, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_challenge_type_concorde_does_not_know_is_warned_about_and_the_known_ones_still_work()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("typo");
        var config = profile.Config(
            new JsonObject { [Challenge.Http01] = ShamanProfile.Http01, ["http01"] = ShamanProfile.Http01 },
            new JsonObject { [name] = new JsonObject { ["cleanup"] = new JsonObject { ["dns"] = ShamanProfile.Failing } } });
        profile.Write(config);

        var run = (await profile.RunAsync()).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        var warnings = run.Lines.Where(l => l.StartsWith("WARNING ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, l => l.Contains("\"authenticators\" names \"http01\"", StringComparison.Ordinal));
        Assert.Contains(warnings, l => l.Contains($"{name}: \"cleanup\" names \"dns\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Failing_domain_authenticator_is_not_replaced_by_a_working_profile_authenticator()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("own-fails");
        profile.Write(profile.Config(
            new JsonObject { [Challenge.Http01] = ShamanProfile.Http01 },
            new JsonObject { [name] = new JsonObject { ["authenticators"] = new JsonObject { [Challenge.Http01] = ShamanProfile.Failing } } }));

        var run = (await profile.RunAsync()).Exited(1);

        Assert.False(File.Exists(profile.PathOf(ShamanProfile.CertificateFile(name))));
        Assert.Contains(run.ErrorLines, l => l.StartsWith($"ERROR {name}: ", StringComparison.Ordinal) && l.Contains(ShamanProfile.Failing, StringComparison.Ordinal));
        Assert.Contains($"INFO {name}: http-01 authenticator {ShamanProfile.Failing} stderr: refusing to publish for {name}", run.Lines);
        Assert.DoesNotContain(run.Lines, l => l.Contains($"{ShamanProfile.Http01} stdout", StringComparison.Ordinal));
    }

    /// <summary>Cron mail (--quiet) holds only warnings and errors: a failed program's own reason must be in them,
    /// bounded, and without what it was given on stdin (the key authorization).</summary>
    [Fact]
    public async Task Quiet_run_says_why_the_authenticator_and_the_cleanup_failed_with_the_end_of_their_stderr()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("says-why");
        profile.WriteScript("webroot.sh", """
            read -r token
            read -r key_authorization
            printf '%s\n%s\n' "$token" "$key_authorization" > given.txt
            echo "publishing for $CONCORDE_IDENTIFIER" >&2
            echo "writing $key_authorization to /var/www/$token" >&2
            printf 'y%.0s' $(seq 300) >&2; echo >&2
            echo "cannot write webroot: permission denied" >&2
            exit 3
            """);
        profile.WriteScript("unpublish.sh", "echo 'nothing to remove' >&2\nexit 1");
        var config = profile.Config(Challenge.Http01, "webroot.sh", name);
        config["cleanup"] = new JsonObject { [Challenge.Http01] = "unpublish.sh" };
        profile.Write(config);

        var run = (await ShamanProcess.RunAsync(["--quiet", profile.Directory])).Exited(1);

        var error = Assert.Single(run.ErrorLines, l => l.StartsWith($"ERROR {name}: http-01 authenticator program ", StringComparison.Ordinal));
        // The last three non-empty lines, each cut short; the key authorization and token blanked out.
        Assert.EndsWith($"webroot.sh failed with exit status 3; its stderr ends: writing (stdin) to /var/www/(stdin) | {new string('y', 200)}... | " +
                        "cannot write webroot: permission denied", error, StringComparison.Ordinal);
        Assert.DoesNotContain("publishing for", error, StringComparison.Ordinal);
        Assert.Contains(run.Lines, l => l.StartsWith($"WARNING {name}: http-01 cleanup program ", StringComparison.Ordinal)
                                        && l.EndsWith("unpublish.sh failed with exit status 1; its stderr ends: nothing to remove", StringComparison.Ordinal));
        Assert.Equal(error["ERROR ".Length..], profile.ReadDomain(name)["lastError"]!.GetValue<string>());
        var given = File.ReadAllLines(profile.PathOf("given.txt"));
        Assert.Equal(2, given.Length);
        foreach (var secret in given)
        {
            Assert.DoesNotContain(secret, run.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, profile.Text(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Failing_authenticator_fails_its_domain_while_the_others_get_certificates()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var failing = ShamanProfile.UniqueName("refused");
        var dns = ShamanProfile.UniqueName("by-dns");
        var http = ShamanProfile.UniqueName("by-http");
        // The failing domain comes first: the run must go on after it.
        profile.Write(profile.Config(
            new JsonObject { [Challenge.Http01] = ShamanProfile.Http01 },
            new JsonObject
            {
                [failing] = new JsonObject { ["authenticators"] = new JsonObject { [Challenge.Http01] = ShamanProfile.Failing } },
                [dns] = new JsonObject { ["authenticators"] = new JsonObject { [Challenge.Dns01] = ShamanProfile.Dns01 } },
                [http] = new JsonObject(),
            }));

        var run = (await profile.RunAsync()).Exited(1);

        using var dnsLeaf = profile.AssertCertificate(dns);
        using var httpLeaf = profile.AssertCertificate(http);
        Assert.False(File.Exists(profile.PathOf(ShamanProfile.CertificateFile(failing))));
        Assert.Equal(2, run.ErrorLines.Count);
        Assert.StartsWith($"ERROR {failing}: ", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.Equal("ERROR 1 of 3 domains failed", run.ErrorLines[1]);
        // The failed domain keeps its order and key for the next run.
        Assert.NotNull(profile.ReadDomain(failing)["order_id"]);
        Assert.True(File.Exists(profile.PathOf(ShamanProfile.KeyFile(failing))));
        await PythonFormat.AssertFormattedAsync(profile.Text());
    }

    [Fact]
    public async Task Hung_authenticator_is_killed_after_authenticatorTimeout_and_fails_its_domain()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("hung");
        // The sleep is a grandchild of shaman: the whole tree must go.
        File.WriteAllText(profile.PathOf("hang.sh"), "#!/bin/sh\nsleep 60 &\necho $! > hang.pid\nwait\n");
        File.SetUnixFileMode(profile.PathOf("hang.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var config = profile.Config(Challenge.Http01, "hang.sh", name);
        config["authenticatorTimeout"] = 1;
        profile.Write(config);

        var run = (await ShamanProcess.RunAsync([profile.Directory], timeout: TimeSpan.FromSeconds(20))).Exited(1);

        var error = Assert.Single(run.ErrorLines, l => l.StartsWith($"ERROR {name}: ", StringComparison.Ordinal));
        Assert.Contains("did not finish within 1 s", error, StringComparison.Ordinal);
        var pid = int.Parse(File.ReadAllText(profile.PathOf("hang.pid")).Trim());
        Assert.True(ProcessLiveness.IsGone(pid), $"the authenticator's child {pid} was not killed");
    }

    [Fact]
    public async Task Domain_without_a_matching_authenticator_fails_with_the_offered_challenge_types()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("no-authenticator");
        profile.Write(profile.Config("unknown-01", ShamanProfile.Http01, name));

        var run = (await profile.RunAsync()).Exited(1);

        var error = Assert.Single(run.ErrorLines, l => l.StartsWith($"ERROR {name}: ", StringComparison.Ordinal));
        Assert.Contains("no authenticator", error, StringComparison.Ordinal);
        Assert.Contains(Challenge.Http01, error, StringComparison.Ordinal);
    }
}
