using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Acme;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>`"eab": {"kid", "hmacKey"}` binds the new account to the CA's external account, against a
/// Pebble with externalAccountBindingRequired; without it the run says what to add. The MAC key is a secret: it
/// never reaches stdout, stderr or syslog.</summary>
public sealed class ShamanEabTests(ExternalAccountBindingPebbleFixture pebble) : IClassFixture<ExternalAccountBindingPebbleFixture>
{
    /// <summary>Pebble's newAccount URL path.</summary>
    private const string NewAccountPath = "/sign-me-up";
    private static readonly string Kid1Key = PebbleOptions.DefaultExternalAccountMacKeys["kid-1"];
    private static readonly string Kid2Key = PebbleOptions.DefaultExternalAccountMacKeys["kid-2"];

    [Fact]
    public async Task Eab_creates_the_account_and_the_certificate_is_issued_without_the_mac_key_in_any_log()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = WriteProfile(profile, "eab", new JsonObject { ["kid"] = "kid-1", ["hmacKey"] = Kid1Key });
        using var syslog = new SyslogListener(profile.PathOf("log.sock"));

        var run = (await ShamanProcess.RunAsync([profile.Directory], syslog.Environment)).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        Assert.Contains(run.Lines, l => l.StartsWith("INFO created account ", StringComparison.Ordinal));
        AssertSecretKept(run, await syslog.ReceivedAsync(), Kid1Key);
        // The profile keeps what the administrator wrote.
        Assert.Equal(Kid1Key, profile.Read()["eab"]!["hmacKey"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("HS384")]
    [InlineData("HS512")]
    public async Task Eab_alg_hs384_and_hs512_are_accepted_by_pebble(string alg)
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = WriteProfile(profile, "eab-" + alg.ToLowerInvariant(), new JsonObject { ["kid"] = "kid-1", ["hmacKey"] = Kid1Key, ["alg"] = alg });

        var run = (await profile.RunAsync()).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        Assert.Contains(run.Lines, l => l.StartsWith("INFO created account ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Eab_alg_other_than_hs256_hs384_hs512_is_a_configuration_error()
    {
        using var profile = new ShamanProfile(pebble.Server);
        WriteProfile(profile, "eab-rs256", new JsonObject { ["kid"] = "kid-1", ["hmacKey"] = Kid1Key, ["alg"] = "RS256" });

        var run = (await profile.RunAsync()).Exited(2);

        Assert.Contains("\"eab\": \"alg\" must be HS256, HS384 or HS512", run.Stderr, StringComparison.Ordinal);
        Assert.Null(profile.Read()["account_id"]);
    }

    [Fact]
    public async Task Missing_eab_is_one_account_error_recorded_at_profile_level_and_adding_it_then_works()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var names = WriteProfile(profile, "no-eab", eab: null, domains: 3);
        var accountsBefore = PebbleTraffic.Requests(pebble.Server, NewAccountPath);

        var run = (await profile.RunAsync()).Exited(1);

        // Once for the run, not once per domain.
        var error = Assert.Single(run.ErrorLines);
        Assert.StartsWith("ERROR account: the CA requires an external account binding; add \"eab\": {\"kid\": \"...\", \"hmacKey\": \"...\"}", error, StringComparison.Ordinal);
        Assert.Null(profile.Read()["account_id"]);
        // Refused before asking: the CA's directory says it needs the binding.
        Assert.Equal(accountsBefore, PebbleTraffic.Requests(pebble.Server, NewAccountPath));
        // A profile-wide setting is not the domains' failure: recorded once, at profile level.
        Assert.Equal(1, (int)profile.Read()["runFailures"]!);
        foreach (var name in names) Assert.Null(profile.ReadDomain(name)["failures"]);

        var config = profile.Read();
        config["eab"] = new JsonObject { ["kid"] = "kid-2", ["hmacKey"] = Kid2Key };
        profile.Write(config);
        (await ShamanProcess.RunAsync(["--force", profile.Directory])).Exited(0);

        foreach (var name in names) using (profile.AssertCertificate(name)) { }
        Assert.Null(profile.Read()["runFailures"]);
    }

    [Fact]
    public async Task Wrong_mac_key_for_three_domains_is_one_account_error_recorded_at_profile_level()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var names = WriteProfile(profile, "bad-eab3", new JsonObject { ["kid"] = "kid-1", ["hmacKey"] = Kid2Key }, domains: 3);
        await PebbleTraffic.SettledRequestsAsync(pebble.Server);
        var accountsBefore = PebbleTraffic.Requests(pebble.Server, NewAccountPath);

        var run = (await profile.RunAsync()).Exited(1);

        var error = Assert.Single(run.ErrorLines);
        Assert.StartsWith("ERROR account: the CA refused the account: ", error, StringComparison.Ordinal);
        // One registration attempt, not one per domain.
        await PebbleTraffic.SettledRequestsAsync(pebble.Server);
        Assert.Equal(accountsBefore + 1, PebbleTraffic.Requests(pebble.Server, NewAccountPath));
        Assert.Equal(1, (int)profile.Read()["runFailures"]!);
        foreach (var name in names) Assert.Null(profile.ReadDomain(name)["failures"]);
    }

    [Fact]
    public async Task Wrong_mac_key_is_refused_by_the_CA_and_neither_key_is_printed()
    {
        using var profile = new ShamanProfile(pebble.Server);
        WriteProfile(profile, "bad-eab", new JsonObject { ["kid"] = "kid-1", ["hmacKey"] = Kid2Key });
        using var syslog = new SyslogListener(profile.PathOf("log.sock"));

        var run = (await ShamanProcess.RunAsync([profile.Directory], syslog.Environment)).Exited(1);

        Assert.NotEmpty(run.ErrorLines);
        Assert.Null(profile.Read()["account_id"]);
        var datagrams = await syslog.ReceivedAsync();
        AssertSecretKept(run, datagrams, Kid2Key);
        AssertSecretKept(run, datagrams, Kid1Key);
    }

    [Fact]
    public async Task Eab_key_that_is_not_base64url_is_a_configuration_error_that_does_not_echo_it()
    {
        using var profile = new ShamanProfile(pebble.Server);
        const string secret = "not base64url at all: s3cr3t!";
        WriteProfile(profile, "eab-typo", new JsonObject { ["kid"] = "kid-1", ["hmacKey"] = secret });

        var run = (await profile.RunAsync()).Exited(2);

        Assert.Contains("\"eab\": \"hmacKey\" is not base64url", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>One fresh domain with an http-01 authenticator and the given "eab"; returns the domain's name.</summary>
    private static string WriteProfile(ShamanProfile profile, string label, JsonObject? eab) =>
        WriteProfile(profile, label, eab, domains: 1)[0];

    /// <summary>Fresh domains with an http-01 authenticator and the given "eab", one at a time (so the run's order
    /// is fixed); returns their names.</summary>
    private static string[] WriteProfile(ShamanProfile profile, string label, JsonObject? eab, int domains)
    {
        var names = Enumerable.Range(1, domains).Select(i => ShamanProfile.UniqueName($"{label}{i}")).ToArray();
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, names);
        if (eab is not null) config["eab"] = eab;
        config["parallel"] = 1;
        profile.Write(config);
        return names;
    }

    private static void AssertSecretKept(ShamanRun run, IReadOnlyList<string> datagrams, string secret)
    {
        Assert.DoesNotContain(secret, run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, run.Stderr, StringComparison.Ordinal);
        Assert.NotEmpty(datagrams);
        Assert.All(datagrams, d => Assert.DoesNotContain(secret, d, StringComparison.Ordinal));
        // Nor a recognisable part of it (a prefix printed as a "hint").
        Assert.DoesNotContain(secret[..16], run.Stdout + run.Stderr + string.Concat(datagrams), StringComparison.Ordinal);
    }
}
