using System.Globalization;
using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Contrib;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>dns-persist-01 (draft-ietf-acme-dns-persist) against a scripted CA (Pebble 2.4 has no dns-persist-01)
/// that validates by asking a real BIND for _validation-persist.&lt;name&gt;, where the test — as the administrator
/// would — put the record with nsupdate. The challenge carries no token, only issuer-domain-names.</summary>
public sealed class ShamanDnsPersistTests(DnsServerFixture<BindServer> fixture) : IClassFixture<DnsServerFixture<BindServer>>
{
    private const string Issuer = "ca.test";
    private static readonly DateTimeOffset Now = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string Account = ScriptedAcme.AccountUrl;

    [Fact]
    public async Task With_persist_and_no_authenticator_shaman_answers_dns_persist_01_and_the_CA_finds_the_record_in_BIND()
    {
        const string name = "persist." + BindServer.Zone;
        await AddRecordAsync($"_validation-persist.{name}", $"{Issuer}; accounturi={Account}");
        using var profile = await ScriptedProfile.CreateAsync(name);
        profile.Update(c =>
        {
            c.Remove("authenticators");
            c["persist"] = new JsonObject();
        });
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        var http = 0;
        ca.RequireChallenges(PersistChallenge(), new ScriptedChallenge(Challenge.Http01, "http-token", _ => { http++; return null; }));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        Assert.Equal(0, http);
        Assert.Contains($"INFO {name}: validating {name} with dns-persist-01 (the standing record, no authenticator)", run.Lines);
        Assert.True(File.Exists(profile.CertificatePath(name)), run.ToString());
    }

    [Fact]
    public async Task A_missing_record_fails_the_domain_naming_the_record_to_create_with_its_exact_value()
    {
        const string name = "missing." + BindServer.Zone;
        using var profile = await ScriptedProfile.CreateAsync(name);
        profile.UpdateDomain(name, d => d["persist"] = new JsonObject { ["until"] = "2031-01-01" });
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        ca.RequireChallenges(PersistChallenge());

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        var until = new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        Assert.Contains($"Create the TXT record _validation-persist.{name} with \"{Issuer}; accounturi={Account}; persistUntil={until}\"",
            run.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(profile.CertificatePath(name)));
    }

    [Fact]
    public async Task Without_persist_shaman_picks_http_01_next_to_a_token_less_dns_persist_01()
    {
        const string name = "other." + BindServer.Zone;
        using var profile = await ScriptedProfile.CreateAsync(name);
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        var persistAnswered = 0;
        ca.RequireChallenges(
            new ScriptedChallenge(Challenge.DnsPersist01, null, _ => { persistAnswered++; return null; }, $",\"issuer-domain-names\":[\"{Issuer}\"]"),
            new ScriptedChallenge(Challenge.Http01, "http-token", _ => null));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        Assert.Equal(0, persistAnswered);
        Assert.Contains($"INFO {name}: authenticated {name} with http-01", run.Lines);
        Assert.True(File.Exists(profile.CertificatePath(name)), run.ToString());
    }

    [Fact]
    public async Task Status_warns_when_persist_until_is_within_30_days_and_not_before()
    {
        using var profile = await ScriptedProfile.CreateAsync("soon.example", "later.example");
        profile.UpdateDomain("soon.example", d => d["persist"] = new JsonObject { ["until"] = "2030-03-20" });
        profile.UpdateDomain("later.example", d => d["persist"] = new JsonObject { ["until"] = "2030-06-01" });
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));

        // Exit 1: neither domain has a certificate yet.
        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now), options: "--status")).Exited(1);

        Assert.Contains("WARNING: the dns-persist-01 record of soon.example expires at 2030-03-20 00:00 UTC (persistUntil), in 19.0 days", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("record of later.example", run.Stdout, StringComparison.Ordinal);
    }

    /// <summary>Valid when a TXT string at _validation-persist.&lt;name&gt; names this CA and the account.</summary>
    private ScriptedChallenge PersistChallenge() =>
        new(Challenge.DnsPersist01, null, identifier =>
        {
            var record = $"_validation-persist.{identifier}";
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var values = fixture.Dns.QueryTxtAsync(record, timeout.Token).GetAwaiter().GetResult();
            return values.Any(v => v.StartsWith($"{Issuer};", StringComparison.Ordinal) && v.Contains($"accounturi={Account}", StringComparison.Ordinal))
                ? null
                : $"no dns-persist-01 record for {Issuer} at {record}";
        }, $",\"issuer-domain-names\":[\"{Issuer}\"]");

    private async Task AddRecordAsync(string name, string value)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var update = $"server 127.0.0.1 {fixture.Dns.Port}\nupdate add {name}. 60 IN TXT \"{value}\"\nsend\n";
        var run = await ContribScript.RunAsync(ContribScript.Locate("nsupdate", "bind9-dnsutils"), update, new Dictionary<string, string>(),
            timeout.Token, "-k", fixture.Dns.KeyFile);
        run.Succeeded();
        Assert.Contains(value, await fixture.Dns.QueryTxtAsync(name, timeout.Token));
    }
}
