using System.Globalization;
using System.Text.Json.Nodes;
using Concorde.Acme.Crypto;
using Concorde.Acme.Keys;
using Concorde.Acme.Wire;
using Concorde.Tests.Contrib;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>dns-account-01 end to end: shaman hands contrib/authenticators/dns01-nsupdate the account-specific
/// record name, the script puts the TXT record into a real BIND, and the scripted CA validates it by querying that
/// BIND (dig) for _&lt;account label&gt;._acme-challenge.&lt;name&gt; with the dns-01 value.</summary>
public sealed class ShamanDnsAccountTests(DnsServerFixture<BindServer> fixture) : IClassFixture<DnsServerFixture<BindServer>>
{
    private const string Token = "dns-account-token_1";
    private const string Wrapper = "nsupdate-test-bind.sh";
    private static readonly DateTimeOffset Now = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_record_appears_at_the_account_label_name_in_BIND_and_the_CA_validates_it_there()
    {
        const string name = "acct." + BindServer.Zone;
        using var profile = await ScriptedProfile.CreateAsync(name);
        WriteWrapper(profile);
        profile.Update(c => c["authenticators"] = new JsonObject { [Challenge.DnsAccount01] = Wrapper });
        var record = $"_{DnsAccountLabel.For(new Uri(ScriptedAcme.AccountUrl))}._acme-challenge.{name}";
        var expected = await ExpectedValueAsync(profile);
        var asked = new List<string>();
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        ca.RequireChallenges(new ScriptedChallenge(Challenge.DnsAccount01, Token, identifier =>
        {
            var wanted = $"_{DnsAccountLabel.For(new Uri(ScriptedAcme.AccountUrl))}._acme-challenge.{identifier}";
            lock (asked) asked.Add(wanted);
            var found = QueryTxt(wanted);
            return found.Contains(expected) ? null : $"no TXT {expected} at {wanted}; found: {string.Join(", ", found)}";
        }));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        Assert.Equal([record], asked);
        Assert.Equal([expected], QueryTxt(record));
        Assert.Contains($"INFO {name}: dns-account-01 authenticator {Wrapper} stdout: added TXT {record} at 127.0.0.1", run.Lines);
        Assert.Contains($"INFO {name}: {name} is authorized", run.Lines);
        Assert.True(File.Exists(profile.CertificatePath(name)), run.ToString());
    }

    /// <summary>The same script for dns-01 still publishes at _acme-challenge.&lt;name&gt;: the CA that looks at the
    /// dns-account-01 name finds nothing there, and the run fails naming the challenge type.</summary>
    [Fact]
    public async Task A_record_at_the_plain_dns_01_name_does_not_satisfy_dns_account_01()
    {
        const string name = "plain." + BindServer.Zone;
        using var profile = await ScriptedProfile.CreateAsync(name);
        var expected = await ExpectedValueAsync(profile);
        var plain = await ContribScript.RunAsync(ContribScript.Dns01Nsupdate, "", new Dictionary<string, string>(NsupdateEnvironment())
        {
            ["CONCORDE_CHALLENGE_TYPE"] = Challenge.Dns01,
            ["CONCORDE_DNS_NAME"] = $"_acme-challenge.{name}",
            ["CONCORDE_DNS_VALUE"] = expected,
        }, CancellationToken.None);
        plain.Succeeded();
        profile.Update(c => c["authenticators"] = new JsonObject { [Challenge.DnsAccount01] = "true" });
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        ca.RequireChallenges(new ScriptedChallenge(Challenge.DnsAccount01, Token, identifier =>
        {
            var wanted = $"_{DnsAccountLabel.For(new Uri(ScriptedAcme.AccountUrl))}._acme-challenge.{identifier}";
            return QueryTxt(wanted).Contains(expected) ? null : $"no TXT record at {wanted}";
        }));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        Assert.Contains($"validation of {name} with dns-account-01 failed", run.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(profile.CertificatePath(name)));
    }

    private static async Task<string> ExpectedValueAsync(ScriptedProfile profile)
    {
        using var key = await KeyFile.LoadAsync(profile.PathOf("account.key.priv.pem"), CancellationToken.None);
        return KeyAuthorization.Dns01TxtValue(KeyAuthorization.For(Token, key));
    }

    private IReadOnlyList<string> QueryTxt(string name)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return fixture.Dns.QueryTxtAsync(name, timeout.Token).GetAwaiter().GetResult();
    }

    private Dictionary<string, string> NsupdateEnvironment() => new()
    {
        ["NSUPDATE_SERVER"] = "127.0.0.1",
        ["NSUPDATE_PORT"] = fixture.Dns.Port.ToString(CultureInfo.InvariantCulture),
        ["NSUPDATE_KEY"] = fixture.Dns.KeyFile,
        ["NSUPDATE_TIMEOUT"] = "5",
    };

    /// <summary>In-process shaman passes its own environment to authenticators; the test must not change the test
    /// process's, so a wrapper in the profile sets the BIND settings and runs the unchanged contrib script.</summary>
    private void WriteWrapper(ScriptedProfile profile)
    {
        var settings = string.Join(" ", NsupdateEnvironment().Select(v => $"{v.Key}='{v.Value}'"));
        var path = profile.PathOf(Wrapper);
        File.WriteAllText(path, $"#!/bin/sh\n{settings} exec '{ContribScript.Dns01Nsupdate}'\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
