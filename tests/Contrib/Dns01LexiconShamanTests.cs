using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Contrib;

/// <summary>The published shaman with contrib/authenticators/dns01-lexicon as its dns-01 authenticator: lexicon puts
/// the TXT records into a real PowerDNS through its HTTP API, and Pebble validates by asking that PowerDNS
/// (<c>pebble -dnsserver</c>).</summary>
public sealed class Dns01LexiconShamanTests(PebbleBehindDnsFixture<PowerDnsServer> fixture) : IClassFixture<PebbleBehindDnsFixture<PowerDnsServer>>
{
    /// <summary>Another certificate's value at the same name, which cleanup must leave alone.</summary>
    private const string ForeignValue = "an0ther-certificates-value_0123456789abcde";

    [Fact]
    public async Task Shaman_gets_a_certificate_through_PowerDNS_and_cleanup_takes_only_its_own_value_away()
    {
        const string name = "www." + PowerDnsServer.Zone;
        const string record = "_acme-challenge." + name;
        using var bin = new TempDirectory("concorde-contrib-bin-");
        var cleanup = ContribScript.LinkAsCleanup(bin.Path, ContribScript.Dns01Lexicon);
        await AddForeignValueAsync(record);
        using var profile = new ShamanProfile(fixture.Pebble);
        var config = profile.Config(Challenge.Dns01, ContribScript.Dns01Lexicon, name);
        config["cleanup"] = new JsonObject { [Challenge.Dns01] = cleanup };
        profile.Write(config);

        var run = (await profile.RunAsync(fixture.Dns.Dns01LexiconEnvironment())).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        Assert.Contains($"INFO {name}: dns-01 authenticator dns01-lexicon stdout: added TXT {record} in zone {PowerDnsServer.Zone} at powerdns; seen on ns.{PowerDnsServer.Zone} (127.0.0.1)", run.Lines);
        Assert.Contains($"INFO {name}: dns-01 cleanup dns01-lexicon-cleanup stdout: deleted TXT {record} in zone {PowerDnsServer.Zone} at powerdns", run.Lines);
        Assert.True(fixture.Dns.WasAskedForTxt(record), $"PowerDNS logged no TXT query for {record}:{Environment.NewLine}{fixture.Dns.Log}");
        Assert.DoesNotContain(fixture.Dns.ApiKey, run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.Equal([ForeignValue], await TxtAsync(record));
    }

    [Fact]
    public async Task Shaman_gets_one_certificate_for_a_name_and_its_wildcard_with_both_values_at_one_record()
    {
        const string name = "shop." + PowerDnsServer.Zone;
        const string record = "_acme-challenge." + name;
        await AddForeignValueAsync(record);
        using var profile = new ShamanProfile(fixture.Pebble);
        var config = profile.Config(Challenge.Dns01, ContribScript.Dns01Lexicon, name);
        config["domains"]![name]!["altNames"] = new JsonArray("*." + name);
        profile.Write(config);

        (await profile.RunAsync(fixture.Dns.Dns01LexiconEnvironment())).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        Assert.Equal(["*." + name, name], CertificateNames.DnsNames(leaf).Order(StringComparer.Ordinal));
        // Without cleanup, both authorizations' values stay at _acme-challenge.shop…, next to the foreign one:
        // the second record set written through the API kept the values already there.
        var values = await TxtAsync(record);
        Assert.Equal(3, values.Count);
        Assert.Contains(ForeignValue, values);
    }

    private async Task AddForeignValueAsync(string record)
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        (await new Dns01Script(ContribScript.Dns01Lexicon, fixture.Dns.Dns01LexiconEnvironment).RunAsync(record, ForeignValue, ct)).Succeeded();
    }

    private async Task<IReadOnlyList<string>> TxtAsync(string record)
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        return await fixture.Dns.QueryTxtAsync(record, ct);
    }
}
