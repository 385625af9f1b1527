using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Contrib;

/// <summary>contrib/authenticators/dns01-lexicon on its own against a real PowerDNS, through lexicon's powerdns
/// provider and PowerDNS's HTTP API: it finds the zone, adds its value next to others, waits until the server answers
/// with it, deletes exactly its own value in cleanup, and fails in one line — never with a credential — when the
/// provider refuses, the server does not have the record in time, or lexicon is missing.</summary>
public sealed class Dns01LexiconTests(DnsServerFixture<PowerDnsServer> fixture) : IClassFixture<DnsServerFixture<PowerDnsServer>>
{
    private const string Value1 = "n0T-a_real-digest-but-base64url-0123456789a";
    /// <summary>base64url values may begin with "-": never taken for an option.</summary>
    private const string Value2 = "-n0ther-base64url-value_0123456789abcdefghi";

    [Fact]
    public async Task Adds_its_value_next_to_another_and_cleanup_deletes_exactly_its_own()
    {
        const string record = "_acme-challenge.both." + PowerDnsServer.Zone;
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        using var bin = new TempDirectory("concorde-contrib-bin-");

        // No DNS01_LEXICON_ZONE or _NAMESERVERS: the zone comes from the SOA record in PowerDNS's answer, the server
        // to check from the zone's NS record and its address record.
        var (added, removed) = await Script.AddTwoValuesAndCleanUpOneByOneAsync(record, Value1, Value2, fixture.Dns.QueryTxtAsync, ct);

        Assert.Equal($"added TXT {record} in zone {PowerDnsServer.Zone} at powerdns; seen on ns.{PowerDnsServer.Zone} (127.0.0.1)", added.Stdout.Trim());
        Assert.Equal($"deleted TXT {record} in zone {PowerDnsServer.Zone} at powerdns", removed.Stdout.Trim());
        var again = (await Script.CleanupIn(bin.Path).RunAsync(record, Value2, ct)).Succeeded();
        Assert.Contains("nothing to delete", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answers_dns_account_01_at_the_account_label_name()
    {
        const string record = "_ujmmovf2vn55tgye._acme-challenge.account." + PowerDnsServer.Zone;
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var environment = Script.EnvironmentWith(record, Value1, "CONCORDE_CHALLENGE_TYPE", "dns-account-01");

        (await Script.RunAsync(environment, ct)).Succeeded();

        Assert.Equal([Value1], await fixture.Dns.QueryTxtAsync(record, ct));
    }

    [Fact]
    public async Task A_server_that_does_not_answer_with_the_value_in_time_is_named()
    {
        const string record = "_acme-challenge.unseen." + PowerDnsServer.Zone;
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        // 127.0.0.2 is loopback too, but no DNS server listens there.
        var environment = Script.EnvironmentWith(record, Value1, "DNS01_LEXICON_NAMESERVERS", "127.0.0.1 127.0.0.2");
        environment["DNS01_LEXICON_WAIT"] = "3";

        var run = await Script.RunAsync(environment, ct);

        run.FailedNaming($"but the server 127.0.0.2 port {fixture.Dns.Port} does not answer with it after 3 s (DNS01_LEXICON_WAIT)");
        Assert.Equal([Value1], await fixture.Dns.QueryTxtAsync(record, ct));
    }

    [Fact]
    public async Task A_name_in_no_zone_the_resolver_knows_fails_before_lexicon_is_asked()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        (await Script.RunAsync("_acme-challenge.www.other.example", Value1, ct))
            .FailedNaming($"no SOA record in the answer for _acme-challenge.www.other.example from 127.0.0.1 port {fixture.Dns.Port}: cannot tell its zone; set DNS01_LEXICON_ZONE");
    }

    [Fact]
    public async Task A_token_the_provider_refuses_fails_in_one_line_that_shows_no_credential()
    {
        const string record = "_acme-challenge.refused." + PowerDnsServer.Zone;
        const string wrongToken = "wrong-token-0f9e8d7c6b5a";
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var environment = Script.EnvironmentWith(record, Value1, "LEXICON_POWERDNS_AUTH_TOKEN", wrongToken);

        var run = (await Script.RunAsync(environment, ct))
            .FailedNaming($"dns01-lexicon: lexicon powerdns create of TXT {record} in zone {PowerDnsServer.Zone} failed: ");

        Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("401", run.Stderr, StringComparison.Ordinal);
        foreach (var secret in new[] { wrongToken, fixture.Dns.ApiKey })
            Assert.DoesNotContain(secret, run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.Empty(await fixture.Dns.QueryTxtAsync(record, ct));
    }

    [Fact]
    public async Task Without_lexicon_the_script_says_which_package_to_install()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        using var emptyPath = new TempDirectory("concorde-empty-path-");
        var environment = Script.EnvironmentWith("_acme-challenge.nolexicon." + PowerDnsServer.Zone, Value1, "PATH", emptyPath.Path);

        (await Script.RunAsync(environment, ct)).FailedNaming("lexicon is not installed (Debian: apt-get install lexicon)");
    }

    [Theory]
    [InlineData("LEXICON_PROVIDER", "", "LEXICON_PROVIDER is not set")]
    [InlineData("LEXICON_PROVIDER", "powerdns --delegated example.com", "not a lexicon provider name")]
    [InlineData("LEXICON_TTL", "60 --content x", "LEXICON_TTL must be a number")]
    [InlineData("DNS01_LEXICON_WAIT", "soon", "DNS01_LEXICON_WAIT must be a number")]
    [InlineData("DNS01_LEXICON_ZONE", "example.com;id", "not a plain DNS name")]
    [InlineData("CONCORDE_DNS_NAME", "", "CONCORDE_DNS_NAME is not set")]
    [InlineData("CONCORDE_DNS_NAME", "www.pdns.example.com", "does not start with _acme-challenge.")]
    [InlineData("CONCORDE_DNS_VALUE", "", "CONCORDE_DNS_VALUE is not set")]
    [InlineData("CONCORDE_DNS_VALUE", "--content=x", "not base64url")]
    [InlineData("CONCORDE_CHALLENGE_TYPE", "http-01", "dns-01 only, not http-01")]
    public async Task Missing_or_unsafe_settings_are_named_and_nothing_is_sent(string variable, string value, string message)
    {
        const string record = "_acme-challenge.settings." + PowerDnsServer.Zone;
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var environment = Script.EnvironmentWith(record, Value1, variable, value);

        (await Script.RunAsync(environment, ct)).FailedNaming(message);

        Assert.Empty(await fixture.Dns.QueryTxtAsync(record, ct));
    }

    private Dns01Script Script => new(ContribScript.Dns01Lexicon, fixture.Dns.Dns01LexiconEnvironment);
}
