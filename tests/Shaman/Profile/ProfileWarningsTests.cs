using System.Text.Json.Nodes;
using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>Fields shaman does not know are kept but warned about, with the field most likely meant; a `renewal`
/// of 0 is warned about. No warning for any field shaman or the Python tool reads or writes.</summary>
public sealed class ProfileWarningsTests
{
    /// <summary>Every setting and every state field, at the level it belongs, as shaman leaves them after a few runs.</summary>
    private const string EveryKnownField = """
        {
            "server": "https://acme.example/dir",
            "renewal": 30,
            "authenticators": {"http-01": "publish", "dns-01": "dns"},
            "contact": ["admin@example.com"],
            "caBundle": "ca.pem",
            "authenticatorTimeout": 60,
            "logThreshold": 20,
            "eab": {"kid": "kid-1", "hmacKey": "c2VjcmV0LW1hYy1rZXk"},
            "profile": "tlsserver",
            "preferredChain": "ISRG Root X1",
            "deploy": "reload-nginx",
            "cleanup": {"http-01": "unpublish"},
            "parallel": 2,
            "metrics": "concorde.prom",
            "verify": ["127.0.0.1:443", "[::1]:443"],
            "domainTimeout": 1800,
            "runTimeout": 7200,
            "persist": {"until": "2031-01-01"},
            "environment": {"WEBROOT": "/var/www/html"},
            "key": "account.key.priv.pem",
            "account_id": "https://acme.example/acct/1",
            "account_server": "https://acme.example/dir",
            "runFailures": 1,
            "runLastFailure": "2030-01-01T00:00:00Z",
            "runLastError": "server: the CA cannot be reached",
            "runRetryAfter": "2030-01-01T01:00:00Z",
            "notify": "mail",
            "notifiedFailedDomains": ["example.com"],
            "notifiedDeployFailedDomains": ["example.com"],
            "notifiedRunError": "server: the CA cannot be reached",
            "notifiedAt": "2030-01-01T00:00:00Z",
            "domains": {
                "example.com": {
                    "altNames": ["www.example.com"],
                    "authenticators": {"dns-01": "other-dns"},
                    "cleanup": {"dns-01": "other-cleanup"},
                    "deploy": "reload-apache",
                    "profile": "shortlived",
                    "preferredChain": "Other Root",
                    "verify": ["www.example.com:8443"],
                    "domainTimeout": 600,
                    "persist": {},
                    "environment": {"WEBROOT": "/srv/www"},
                    "key": "example.com.key.priv.pem",
                    "order_id": "https://acme.example/order/1",
                    "certificate_id": "https://acme.example/cert/1",
                    "failures": 2,
                    "lastFailure": "2030-01-01T00:00:00Z",
                    "lastError": "example.com: the CA said no",
                    "retryAfter": "2030-01-01T03:00:00Z",
                    "replaces": "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE",
                    "renewalInfo": {"checkAfter": "2030-01-02T00:00:00Z", "windowStart": "2030-02-01T00:00:00Z",
                                    "windowEnd": "2030-02-03T00:00:00Z", "renewAt": "2030-02-02T00:00:00Z"},
                    "deployPending": true,
                    "servedOk": false,
                    "fromPreviousServer": true
                }
            }
        }
        """;

    /// <summary>What the Python tool writes: its settings and state, nothing else.</summary>
    private const string PythonProfile = """
        {
            "account_id": "https://acme.example/acct/1",
            "authenticators": {"http-01": "/usr/local/bin/prove-challenge"},
            "domains": {
                "example.com": {"certificate_id": "https://acme.example/cert/1", "key": "example.com.key.priv.pem"},
                "example.org": {"key": "example.org.key.priv.pem", "order_id": "https://acme.example/order/2"}
            },
            "key": "account.key.priv.pem",
            "logThreshold": 20,
            "renewal": 30,
            "server": "https://acme.example/dir"
        }
        """;

    [Fact]
    public void Every_field_shaman_knows_at_its_level_draws_no_warning()
    {
        var root = JsonNode.Parse(EveryKnownField)!.AsObject();
        var domain = root["domains"]!["example.com"]!.AsObject();
        // The profile above really has every known field, so a field added to the lists is checked here too.
        Assert.Equal(ProfileSettings.Fields.Order(), root.Select(field => field.Key).Order());
        Assert.Equal(DomainSettings.Fields.Concat(DomainState.Fields).Distinct().Order(), domain.Select(field => field.Key).Order());

        Assert.Empty(Warnings(EveryKnownField));
    }

    [Fact]
    public void Profile_as_the_python_tool_writes_it_draws_no_warning()
    {
        Assert.Empty(Warnings(PythonProfile));
    }

    [Theory]
    // Top level.
    [InlineData("\"renewl\": 30", null, "unknown field \"renewl\" at the top level has no effect (it is kept in the file); did you mean \"renewal\"?")]
    [InlineData("\"deploy_hook\": \"reload\"", null, "unknown field \"deploy_hook\" at the top level has no effect (it is kept in the file); did you mean \"deploy\"?")]
    [InlineData("\"Server\": \"https://other.example/dir\"", null, "unknown field \"Server\" at the top level has no effect (it is kept in the file); did you mean \"server\"?")]
    [InlineData("\"accountId\": \"https://acme.example/acct/2\"", null, "unknown field \"accountId\" at the top level has no effect (it is kept in the file); did you mean \"account_id\"?")]
    [InlineData("\"altNames\": [\"www.example.com\"]", null, "unknown field \"altNames\" at the top level has no effect (it is kept in the file); it belongs inside a domain")]
    [InlineData("\"note\": \"managed by the web team\"", null, "unknown field \"note\" at the top level has no effect (it is kept in the file); remove it if it is a mistake")]
    // Per domain.
    [InlineData(null, "\"altnames\": [\"www.example.com\"]", "unknown field \"altnames\" in domain \"example.com\" has no effect (it is kept in the file); did you mean \"altNames\"?")]
    [InlineData(null, "\"deply\": \"reload\"", "unknown field \"deply\" in domain \"example.com\" has no effect (it is kept in the file); did you mean \"deploy\"?")]
    [InlineData(null, "\"authenticator\": {\"http-01\": \"x\"}", "unknown field \"authenticator\" in domain \"example.com\" has no effect (it is kept in the file); did you mean \"authenticators\"?")]
    [InlineData(null, "\"renewal\": 10", "unknown field \"renewal\" in domain \"example.com\" has no effect (it is kept in the file); it belongs at the top level")]
    [InlineData(null, "\"owner\": \"web team\"", "unknown field \"owner\" in domain \"example.com\" has no effect (it is kept in the file); remove it if it is a mistake")]
    public void Unknown_field_is_warned_about_with_where_it_is_and_the_field_probably_meant(string? topField, string? domainField, string expected)
    {
        var root = JsonNode.Parse(PythonProfile)!.AsObject();
        if (topField is not null) Add(root, topField);
        if (domainField is not null) Add(root["domains"]!["example.com"]!.AsObject(), domainField);

        var warnings = Warnings(root.ToJsonString());

        Assert.Equal([$"WARNING shaman.json: {expected}"], warnings);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(0.5, false)]
    [InlineData(30, false)]
    public void Renewal_of_zero_days_is_warned_about_as_a_lapse(double renewal, bool warned)
    {
        var root = JsonNode.Parse(PythonProfile)!.AsObject();
        root["renewal"] = renewal;

        var warnings = Warnings(root.ToJsonString());

        if (warned)
            Assert.Equal(["WARNING shaman.json: \"renewal\": 0 renews a certificate only once it has expired, so it lapses until the next " +
                          "run after that; set the days before expiry to renew at, e.g. \"renewal\": 30, or remove \"renewal\" to renew " +
                          "when a third of the lifetime remains"], warnings);
        else
            Assert.Empty(warnings);
    }

    private static void Add(JsonObject obj, string member)
    {
        foreach (var (key, value) in JsonNode.Parse($"{{{member}}}")!.AsObject().ToList())
            obj[key] = value?.DeepClone();
    }

    private static IReadOnlyList<string> Warnings(string json)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var settings = ProfileSettings.Parse(root);
        using var output = new StringWriter();
        ProfileWarnings.Warn(root, settings, new ShamanLog(output, syslog: null, LogLevel.Debug, quiet: false));
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
