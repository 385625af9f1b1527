using System.Text.Json.Nodes;
using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>shaman.json validation: every field of the original's format, and one message naming the field for
/// each mistake.</summary>
public sealed class ProfileSettingsTests
{
    private const string Minimal = """{"server": "https://acme.example/dir", "domains": {"a.example.com": {}}}""";

    [Fact]
    public void Reads_every_setting()
    {
        var settings = Parse("""
            {
                "server": "https://acme.example/dir",
                "renewal": 10.5,
                "authenticators": {"http-01": "prove-challenge", "dns-01": "/usr/local/bin/dns"},
                "domains": {"example.com": {}, "www.example.com": {"key": "www.key", "authenticators": {"dns-01": "other"}}},
                "key": "account.key.priv.pem",
                "account_id": "https://acme.example/acct/1",
                "logThreshold": 30,
                "caBundle": "ca.pem",
                "contact": ["admin@example.com", "mailto:ops@example.com"],
                "authenticatorTimeout": 20,
                "unknown": {"kept": true}
            }
            """);

        Assert.Equal(new Uri("https://acme.example/dir"), settings.Server);
        Assert.Equal(10.5, settings.RenewalDays);
        Assert.Equal(new Dictionary<string, string> { ["http-01"] = "prove-challenge", ["dns-01"] = "/usr/local/bin/dns" }, settings.Authenticators);
        Assert.Equal(["example.com", "www.example.com"], settings.Domains.Select(d => d.Name));
        Assert.Empty(settings.Domains[0].Authenticators);
        Assert.Equal(new Dictionary<string, string> { ["dns-01"] = "other" }, settings.Domains[1].Authenticators);
        Assert.Equal("www.example.com.key.priv.pem", settings.Domains[1].KeyFileName);
        Assert.Equal("www.example.com.cert.pub.pem", settings.Domains[1].CertificateFileName);
        Assert.Equal(30, settings.LogThreshold);
        Assert.Equal("ca.pem", settings.CaBundle);
        Assert.Equal(["mailto:admin@example.com", "mailto:ops@example.com"], settings.Contact);
        Assert.Equal(TimeSpan.FromSeconds(20), settings.AuthenticatorTimeout);
    }

    [Fact]
    public void Environment_of_a_domain_is_merged_over_the_profiles_for_that_domain_only()
    {
        var settings = Parse("""
            {
                "server": "https://acme.example/dir",
                "environment": {"WEBROOT": "/var/www/html", "ZONE": "example.com"},
                "domains": {"a.example.com": {}, "b.example.org": {"environment": {"ZONE": "example.org", "EXTRA": ""}}}
            }
            """);

        Assert.Equal(new Dictionary<string, string> { ["WEBROOT"] = "/var/www/html", ["ZONE"] = "example.com" }, settings.Environment);
        Assert.Equal(settings.Environment, settings.Domains[0].Effective.Environment);
        Assert.Equal(new Dictionary<string, string> { ["WEBROOT"] = "/var/www/html", ["ZONE"] = "example.org", ["EXTRA"] = "" },
            settings.Domains[1].Effective.Environment);
    }

    [Fact]
    public void Defaults()
    {
        var settings = Parse(Minimal);

        Assert.Null(settings.RenewalDays);
        Assert.Empty(settings.Authenticators);
        Assert.Equal(20, settings.LogThreshold);
        Assert.Null(settings.CaBundle);
        Assert.Empty(settings.Contact);
        Assert.Equal(TimeSpan.FromSeconds(300), settings.AuthenticatorTimeout);
    }

    [Theory]
    [InlineData("http://127.0.0.1:14000/dir")]
    [InlineData("http://localhost:14000/dir")]
    [InlineData("http://[::1]:14000/dir")]
    public void Plain_http_is_accepted_for_loopback_servers(string server)
    {
        Assert.Equal(new Uri(server), Parse($"{{\"server\": \"{server}\", \"domains\": {{\"a.example.com\": {{}}}}}}").Server);
    }

    [Theory]
    [InlineData("""{"server": "https://acme.example/dir"}""", "has no \"domains\"")]
    [InlineData("""{"server": "https://acme.example/dir", "domains": {}}""", "\"domains\" is empty")]
    [InlineData("""{"server": "https://acme.example/dir", "domains": ["a.example.com"]}""", "\"domains\" must be an object of name → settings, found a list")]
    [InlineData("""{"domains": {"a.example.com": {}}}""", "needs \"server\"")]
    [InlineData("""{"server": 443, "domains": {"a.example.com": {}}}""", "needs \"server\"")]
    [InlineData("""{"server": "acme.example/dir", "domains": {"a.example.com": {}}}""", "\"server\" is not an http(s) URL: \"acme.example/dir\"")]
    [InlineData("""{"server": "ftp://acme.example/dir", "domains": {"a.example.com": {}}}""", "\"server\" is not an http(s) URL")]
    [InlineData("""{"server": "http://acme.example/dir", "domains": {"a.example.com": {}}}""", "\"server\" must use https")]
    public void Server_and_domains_errors(string json, string message)
    {
        AssertError(json, message);
    }

    [Theory]
    [InlineData("\"renewal\": \"30\"", "\"renewal\" must be a number (days), found the string \"30\"")]
    [InlineData("\"renewal\": -1", "\"renewal\" must be at least 0 (days), found -1")]
    [InlineData("\"logThreshold\": \"info\"", "\"logThreshold\" must be a number")]
    [InlineData("\"logThreshold\": 60", "\"logThreshold\" must be between 0 and 50")]
    [InlineData("\"logThreshold\": 25.5", "\"logThreshold\" must be a whole number")]
    [InlineData("\"parallel\": 2.5", "\"parallel\" must be a whole number (domains at once), found 2.5")]
    [InlineData("\"authenticatorTimeout\": 0", "\"authenticatorTimeout\" must be between 1 and 86400 (seconds), found 0")]
    [InlineData("\"authenticators\": [\"http-01\"]", "\"authenticators\" must be an object of challenge type → program, found a list")]
    [InlineData("\"authenticators\": {\"http-01\": 5}", "\"authenticators\": \"http-01\" must name a program, found the number 5")]
    [InlineData("\"authenticators\": {\"http-01\": \"\"}", "\"authenticators\": \"http-01\" must name a program, found the string \"\"")]
    [InlineData("\"key\": 5", "\"key\" must be a non-empty string, found the number 5")]
    [InlineData("\"account_id\": true", "\"account_id\" must be a non-empty string, found the value true")]
    [InlineData("\"caBundle\": [\"ca.pem\"]", "\"caBundle\" must be a non-empty string, found a list")]
    [InlineData("\"contact\": 5", "\"contact\" must be a list of strings, found the number 5")]
    [InlineData("\"contact\": [\"a@example.com\", 1]", "\"contact\" must contain only strings, found the number 1")]
    [InlineData("\"environment\": [\"A=b\"]", "\"environment\" must be an object of variable name → value, e.g. {\"WEBROOT\": \"/var/www/html\"}, found a list")]
    [InlineData("\"environment\": {\"A\": 1}", "\"environment\": \"A\" must be a string, found the number 1")]
    [InlineData("\"environment\": {\"1A\": \"x\"}", "\"environment\": \"1A\" is not a variable name (letters, digits and _, not starting with a digit)")]
    [InlineData("\"environment\": {\"A-B\": \"x\"}", "\"environment\": \"A-B\" is not a variable name")]
    [InlineData("\"environment\": {\"\": \"x\"}", "\"environment\": \"\" is not a variable name")]
    [InlineData("\"environment\": {\"A\": \"x\\u0000y\"}", "\"environment\": \"A\" contains a NUL character")]
    [InlineData("\"environment\": {\"CONCORDE_DOMAIN\": \"x\"}", "\"environment\": \"CONCORDE_DOMAIN\" is refused: shaman sets the CONCORDE_ variables itself; choose another name")]
    public void Wrong_type_or_range_names_the_field(string field, string message)
    {
        AssertError(Minimal[..^1] + ", " + field + "}", message);
    }

    [Theory]
    [InlineData("\"a.example.com\": \"yes\"", "domain \"a.example.com\" must map to an object (e.g. {}), found the string \"yes\"")]
    [InlineData("\"a.example.com\": null", "domain \"a.example.com\" must map to an object (e.g. {}), found null")]
    [InlineData("\"a.example.com\": {\"key\": 5}", "domain \"a.example.com\": \"key\" must be a non-empty string, found the number 5")]
    [InlineData("\"a.example.com\": {\"order_id\": {}}", "domain \"a.example.com\": \"order_id\" must be a non-empty string, found an object")]
    [InlineData("\"a.example.com\": {\"certificate_id\": \"\"}", "domain \"a.example.com\": \"certificate_id\" must be a non-empty string, found the string \"\"")]
    [InlineData("\"a.example.com\": {\"authenticators\": {\"dns-01\": null}}", "domain \"a.example.com\": \"authenticators\": \"dns-01\" must name a program, found null")]
    [InlineData("\"a.example.com\": {\"environment\": {\"CONCORDE_TOKEN\": \"x\"}}", "domain \"a.example.com\": \"environment\": \"CONCORDE_TOKEN\" is refused")]
    [InlineData("\"../x\": {}", "domain \"../x\" has an empty label")]
    [InlineData("\"a\\nb.example.com\": {}", "domain \"a\\u000ab.example.com\" contains")]
    public void Domain_errors_name_the_domain_and_field(string domain, string message)
    {
        AssertError("""{"server": "https://acme.example/dir", "domains": {"ok.example.com": {}, """ + domain + "}}", message);
    }

    private static ProfileSettings Parse(string json) => ProfileSettings.Parse(JsonNode.Parse(json)!.AsObject());

    private static void AssertError(string json, string message)
    {
        var error = Assert.Throws<ProfileException>(() => Parse(json));
        Assert.StartsWith("shaman.json: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
