using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Contrib;

/// <summary>contrib/authenticators/dns01-nsupdate: RFC 2136 updates signed with TSIG reach a real BIND, Pebble
/// validates dns-01 against that BIND — for a plain name and a wildcard — and the cleanup mode takes the record
/// away again.</summary>
public sealed class Dns01NsupdateTests(PebbleBehindDnsFixture<BindServer> fixture) : IClassFixture<PebbleBehindDnsFixture<BindServer>>
{
    private const string Value1 = "n0T-a_real-digest-but-base64url-0123456789a";
    private const string Value2 = "An0ther-base64url-value_0123456789abcdefghi";

    [Fact]
    public async Task Shaman_gets_a_certificate_for_a_name_whose_TXT_record_the_script_put_into_BIND()
    {
        const string name = "www." + BindServer.Zone;
        using var profile = new ShamanProfile(fixture.Pebble);
        profile.Write(profile.Config(Challenge.Dns01, ContribScript.Dns01Nsupdate, name));

        // No NSUPDATE_ZONE: nsupdate finds the zone with an SOA query to the server.
        var run = (await profile.RunAsync(NsupdateEnvironment())).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        Assert.Contains(run.Lines, l => l == $"INFO {name}: dns-01 authenticator dns01-nsupdate stdout: added TXT _acme-challenge.{name} at 127.0.0.1");
        AssertPebbleAskedBind($"_acme-challenge.{name}");
        Assert.Single(await TxtAsync($"_acme-challenge.{name}"));
    }

    [Fact]
    public async Task Shaman_gets_a_wildcard_certificate_validated_at_the_zone_apex_record()
    {
        const string wildcard = "*." + BindServer.Zone;
        using var profile = new ShamanProfile(fixture.Pebble);
        profile.Write(profile.Config(Challenge.Dns01, ContribScript.Dns01Nsupdate, wildcard));

        var environment = NsupdateEnvironment();
        environment["NSUPDATE_ZONE"] = BindServer.Zone;
        var run = (await profile.RunAsync(environment)).Exited(0);

        // RFC 8555 §7.1.3/§8.4: a wildcard's authorization is for the base name, its record _acme-challenge.<base>.
        Assert.Contains(run.Lines, l => l == $"INFO {wildcard}: dns-01 authenticator dns01-nsupdate stdout: added TXT _acme-challenge.{BindServer.Zone} at 127.0.0.1");
        AssertPebbleAskedBind($"_acme-challenge.{BindServer.Zone}");
        using var leaf = profile.AssertCertificate(wildcard);
        Assert.Equal([wildcard], CertificateNames.DnsNames(leaf));
    }

    [Fact]
    public async Task Shaman_gets_one_certificate_for_a_name_and_its_wildcard_with_both_values_at_one_record()
    {
        const string name = "shop." + BindServer.Zone;
        using var profile = new ShamanProfile(fixture.Pebble);
        var config = profile.Config(Challenge.Dns01, ContribScript.Dns01Nsupdate, name);
        config["domains"]![name]!["altNames"] = new JsonArray("*." + name);
        profile.Write(config);

        (await profile.RunAsync(NsupdateEnvironment())).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        Assert.Equal(["*." + name, name], CertificateNames.DnsNames(leaf).Order(StringComparer.Ordinal));
        // Both authorizations were answered at _acme-challenge.shop.test.example; the second update kept the first value.
        Assert.Equal(2, (await TxtAsync($"_acme-challenge.{name}")).Count);
    }

    [Fact]
    public async Task Shaman_runs_the_cleanup_name_after_validation_and_the_record_is_gone()
    {
        const string name = "cleanup." + BindServer.Zone;
        using var bin = new TempDirectory("concorde-contrib-bin-");
        var cleanup = ContribScript.LinkAsCleanup(bin.Path, ContribScript.Dns01Nsupdate);
        using var profile = new ShamanProfile(fixture.Pebble);
        var config = profile.Config(Challenge.Dns01, ContribScript.Dns01Nsupdate, name);
        config["cleanup"] = new JsonObject { [Challenge.Dns01] = cleanup };
        profile.Write(config);

        var run = (await profile.RunAsync(NsupdateEnvironment())).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        AssertPebbleAskedBind($"_acme-challenge.{name}");
        Assert.Contains($"INFO {name}: dns-01 cleanup dns01-nsupdate-cleanup stdout: deleted TXT _acme-challenge.{name} at 127.0.0.1", run.Lines);
        Assert.Empty(await TxtAsync($"_acme-challenge.{name}"));
    }

    [Fact]
    public async Task Script_adds_a_TXT_value_next_to_others_and_cleanup_deletes_exactly_that_value()
    {
        const string record = "_acme-challenge.both." + BindServer.Zone;
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        var (_, removed) = await Script.AddTwoValuesAndCleanUpOneByOneAsync(record, Value1, Value2, fixture.Dns.QueryTxtAsync, ct);

        Assert.Equal($"deleted TXT {record} at 127.0.0.1", removed.Stdout.Trim());
    }

    [Fact]
    public async Task A_key_the_server_does_not_know_fails_with_the_servers_answer_and_no_secret_is_printed()
    {
        const string record = "_acme-challenge.wrong-key." + BindServer.Zone;
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        using var keys = new TempDirectory("concorde-tsig-");
        // Same key name, another secret: BIND must reject the signature.
        var keygen = (await ContribScript.RunAsync(ContribScript.Locate("tsig-keygen", "bind9"), "", new Dictionary<string, string>(), ct,
            "-a", "hmac-sha256", BindServer.KeyName)).Succeeded();
        var wrongKey = keys.Combine("wrong.key");
        File.WriteAllText(wrongKey, keygen.Stdout);
        var environment = Script.EnvironmentWith(record, Value1, "NSUPDATE_KEY", wrongKey);

        var run = (await Script.RunAsync(environment, ct)).FailedNaming("dynamic update of " + record);

        Assert.Contains("BADSIG", run.Stderr, StringComparison.Ordinal);
        foreach (var secret in new[] { fixture.Dns.KeySecret, keygen.Stdout.Split('"')[3] })
            Assert.DoesNotContain(secret, run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.Empty(await fixture.Dns.QueryTxtAsync(record, ct));
    }

    [Fact]
    public async Task A_name_outside_the_servers_zones_is_refused_by_the_server()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        (await Script.RunAsync("_acme-challenge.www.other.example", Value1, ct)).FailedNaming("dynamic update of _acme-challenge.www.other.example");
    }

    [Theory]
    [InlineData("NSUPDATE_SERVER", "", "NSUPDATE_SERVER is not set")]
    [InlineData("NSUPDATE_KEY", "", "NSUPDATE_KEY is not set")]
    [InlineData("NSUPDATE_KEY", "/nonexistent/tsig.key", "cannot read the TSIG key file NSUPDATE_KEY=/nonexistent/tsig.key")]
    [InlineData("NSUPDATE_PORT", "53; send", "NSUPDATE_PORT must be a number")]
    [InlineData("NSUPDATE_TTL", "1 IN A", "NSUPDATE_TTL must be a number")]
    [InlineData("CONCORDE_DNS_NAME", "", "CONCORDE_DNS_NAME is not set")]
    [InlineData("CONCORDE_DNS_NAME", "www.test.example", "does not start with _acme-challenge.")]
    [InlineData("CONCORDE_DNS_NAME", "_acme-challenge.x.test.example\nupdate delete test.example. NS", "not a plain DNS name")]
    [InlineData("CONCORDE_DNS_VALUE", "", "CONCORDE_DNS_VALUE is not set")]
    [InlineData("CONCORDE_DNS_VALUE", "abc\"\nupdate add x.test.example. 60 A 127.0.0.1", "not base64url")]
    [InlineData("CONCORDE_CHALLENGE_TYPE", "http-01", "dns-01 only, not http-01")]
    public async Task Missing_or_unsafe_settings_are_named_and_nothing_is_sent(string variable, string value, string message)
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var environment = Script.EnvironmentWith("_acme-challenge.settings." + BindServer.Zone, Value1, variable, value);

        (await Script.RunAsync(environment, ct)).FailedNaming(message);

        Assert.Empty(await fixture.Dns.QueryTxtAsync("_acme-challenge.settings." + BindServer.Zone, ct));
    }

    private async Task<IReadOnlyList<string>> TxtAsync(string record)
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        return await fixture.Dns.QueryTxtAsync(record, ct);
    }

    private void AssertPebbleAskedBind(string record) =>
        Assert.True(fixture.Dns.Log.Contains($"query: {record} IN TXT", StringComparison.OrdinalIgnoreCase),
            $"BIND logged no TXT query for {record}:{Environment.NewLine}{fixture.Dns.Log}");

    private Dictionary<string, string> NsupdateEnvironment() => new()
    {
        ["NSUPDATE_SERVER"] = "127.0.0.1",
        ["NSUPDATE_PORT"] = fixture.Dns.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["NSUPDATE_KEY"] = fixture.Dns.KeyFile,
        ["NSUPDATE_TIMEOUT"] = "5",
    };

    private Dns01Script Script => new(ContribScript.Dns01Nsupdate, NsupdateEnvironment);
}
