using System.Text.Json.Nodes;
using Concorde.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>"domainTimeout": a default that lets a slow issuance finish, a domain's own value over the profile's, and
/// values outside 1 s … one day refused before the run starts (exit 2, the field and the domain named).</summary>
public sealed class DomainTimeoutSettingsTests
{
    private static ProfileSettings Parse(string json) => ProfileSettings.Parse(JsonNode.Parse(json)!.AsObject());

    [Fact]
    public void Default_is_an_hour_for_every_domain()
    {
        var settings = Parse("""{"server": "https://acme.example/dir", "domains": {"a.example.com": {}}}""");

        Assert.Equal(TimeSpan.FromHours(1), settings.DomainTimeout);
        Assert.Equal(TimeSpan.FromHours(1), settings.Domains[0].Effective.Timeout);
    }

    [Fact]
    public void Domain_value_replaces_the_profile_value()
    {
        var settings = Parse("""
            {"server": "https://acme.example/dir", "domainTimeout": 600,
             "domains": {"a.example.com": {}, "b.example.com": {"domainTimeout": 7200.5}}}
            """);

        Assert.Equal(TimeSpan.FromSeconds(600), settings.Domains[0].Effective.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(7200.5), settings.Domains[1].Effective.Timeout);
    }

    [Theory]
    [InlineData("1", null)]
    [InlineData("86400", null)]
    [InlineData("0", "\"domainTimeout\" must be between 1 and 86400 (seconds), found 0")]
    [InlineData("0.5", "\"domainTimeout\" must be between 1 and 86400 (seconds), found 0.5")]
    [InlineData("-3", "\"domainTimeout\" must be between 1 and 86400 (seconds), found -3")]
    [InlineData("86401", "\"domainTimeout\" must be between 1 and 86400 (seconds), found 86401")]
    [InlineData("\"1h\"", "\"domainTimeout\" must be a number (seconds), found the string \"1h\"")]
    public void Limits_are_checked_at_the_top_level_and_in_a_domain(string value, string? message)
    {
        var top = """{"server": "https://acme.example/dir", "domainTimeout": """ + value + """, "domains": {"a.example.com": {}}}""";
        var inDomain = """{"server": "https://acme.example/dir", "domains": {"a.example.com": {"domainTimeout": """ + value + "}}}";
        if (message is null)
        {
            Assert.Equal(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture), Parse(top).DomainTimeout.TotalSeconds);
            Assert.Equal(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture), Parse(inDomain).Domains[0].DomainTimeout?.TotalSeconds);
            return;
        }
        Assert.Equal($"shaman.json: {message}", Assert.Throws<ProfileException>(() => Parse(top)).Message);
        Assert.Equal($"shaman.json: domain \"a.example.com\": {message}", Assert.Throws<ProfileException>(() => Parse(inDomain)).Message);
    }

    [Fact]
    public async Task Value_out_of_range_ends_the_run_with_exit_2_before_anything_is_asked_or_written()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(DateTimeOffset.UnixEpoch));
        using var profile = await ScriptedProfile.CreateAsync("a.example.com");
        profile.UpdateDomain("a.example.com", d => d["domainTimeout"] = 0);
        var before = File.ReadAllText(profile.PathOf(ProfileSettings.FileName));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(DateTimeOffset.UnixEpoch))).Exited(2);

        Assert.Equal("shaman: shaman.json: domain \"a.example.com\": \"domainTimeout\" must be between 1 and 86400 (seconds), found 0",
            run.Stderr.Trim());
        Assert.Empty(ca.Handler.Requests);
        Assert.Equal(before, File.ReadAllText(profile.PathOf(ProfileSettings.FileName)));
    }
}
