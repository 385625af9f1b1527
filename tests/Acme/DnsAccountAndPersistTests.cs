using System.Text.Json;
using Concorde.Acme;
using Concorde.Acme.Crypto;
using Concorde.Acme.Wire;
using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>dns-account-01's record name (draft-ietf-acme-dns-account-label) and authorizations that carry a
/// challenge without a token (dns-persist-01, draft-ietf-acme-dns-persist).</summary>
public sealed class DnsAccountAndPersistTests
{
    /// <summary>An authorization as a CA that offers dns-persist-01 sends it: that challenge has no token but
    /// issuer-domain-names.</summary>
    private const string PersistAndHttpJson = """
        {"identifier":{"type":"dns","value":"www.example.org"},"status":"pending","expires":"2027-01-01T00:00:00Z",
         "challenges":[
           {"type":"dns-persist-01","url":"https://ca.test/chall/p","status":"pending","issuer-domain-names":["ca.test","ca.example"]},
           {"type":"http-01","url":"https://ca.test/chall/h","status":"pending","token":"tok-en_1"}]}
        """;

    [Fact]
    public void The_account_label_is_the_drafts_example()
    {
        Assert.Equal("ujmmovf2vn55tgye", DnsAccountLabel.For(new Uri("https://example.com/acme/acct/ExampleAccount")));
    }

    [Fact]
    public void The_record_name_puts_the_label_before_acme_challenge_and_drops_a_wildcard()
    {
        var account = new Uri("https://example.com/acme/acct/ExampleAccount");

        Assert.Equal("_ujmmovf2vn55tgye._acme-challenge.www.example.org", KeyAuthorization.DnsAccount01RecordName("www.example.org", account));
        Assert.Equal("_ujmmovf2vn55tgye._acme-challenge.example.org", KeyAuthorization.DnsAccount01RecordName("*.example.org", account));
        Assert.NotEqual(DnsAccountLabel.For(account), DnsAccountLabel.For(new Uri("https://example.com/acme/acct/Other")));
    }

    [Fact]
    public void A_challenge_without_a_token_parses_with_its_issuer_names()
    {
        var authorization = JsonSerializer.Deserialize(PersistAndHttpJson, AcmeJsonContext.Default.Authorization)!;

        var persist = authorization.Challenges[0];
        Assert.Equal((Challenge.DnsPersist01, null), (persist.Type, persist.Token));
        Assert.Equal(["ca.test", "ca.example"], persist.IssuerDomainNames!);
        Assert.Equal("tok-en_1", authorization.Challenges[1].Token);
    }

    [Fact]
    public void Shaman_picks_http_01_next_to_a_token_less_challenge()
    {
        var authorization = JsonSerializer.Deserialize(PersistAndHttpJson, AcmeJsonContext.Default.Authorization)!;

        var choice = ChallengeChoice.Choose(authorization, new Dictionary<string, string>(),
            new Dictionary<string, string> { [Challenge.Http01] = "/http" });

        Assert.Equal(Challenge.Http01, choice!.Value.Challenge.Type);
    }
}
