using System.Net;
using System.Text.Json.Nodes;
using Concorde.Shaman;
using Concorde.Tests.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>"runTimeout" bounds a whole run: once it has passed no further domain is started, the run logs which
/// domains it did not start, exits 1 and notifies, and those domains are not charged a backoff. Its value is checked
/// like "domainTimeout".</summary>
public sealed class RunDeadlineTests
{
    private const string Slow = "slow.example.com";
    private const string Later = "later.example.com";
    private const string Last = "last.example.com";
    private const string SlowOrderUrl = ScriptedAcme.Base + "order/slow";

    [Fact]
    public async Task Domains_not_started_before_the_run_timeout_are_reported_without_a_backoff()
    {
        using var ca = new ScriptedCa(TimeProvider.System);
        using var profile = await ScriptedProfile.CreateAsync(Slow, Later, Last);
        var notified = profile.PathOf("notified");
        var notify = profile.PathOf("notify");
        await File.WriteAllTextAsync(notify, $"#!/bin/sh\ncat > '{notified}'\n");
        File.SetUnixFileMode(notify, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // One domain at a time: the CA keeps the first one going past the run's limit.
        profile.Update(c =>
        {
            c["parallel"] = 1;
            c["runTimeout"] = 1;
            c["notify"] = notify;
        });
        profile.UpdateDomain(Slow, d =>
        {
            d["order_id"] = SlowOrderUrl;
            d["domainTimeout"] = 2;
        });
        ca.Handler.Always(HttpMethod.Post, SlowOrderUrl, _ => ScriptedHandler.Json(HttpStatusCode.OK,
            $$"""{"status":"processing","identifiers":[{"type":"dns","value":"{{Slow}}"}],"authorizations":[],"finalize":"{{SlowOrderUrl}}/finalize"}""",
            headers: ("Retry-After", "1")));

        var run = (await profile.RunAsync(ca, TimeProvider.System)).Exited(1);

        Assert.Contains($"ERROR the run reached its \"runTimeout\" of 1 s: 2 of 3 domains not started ({Later}, {Last}); the next run tries them", run.Lines);
        Assert.Equal(1, profile.ReadDomain(Slow)["failures"]!.GetValue<int>());
        foreach (var name in new[] { Later, Last })
        {
            Assert.False(profile.ReadDomain(name).ContainsKey("failures"), $"{name} was charged a backoff");
            Assert.False(File.Exists(profile.CertificatePath(name)));
        }
        Assert.Empty(ca.NewOrderPayloads);
        Assert.Contains("runTimeout", File.ReadAllText(notified), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", null)]
    [InlineData("86400", null)]
    [InlineData("0", "\"runTimeout\" must be between 1 and 86400 (seconds), found 0")]
    [InlineData("86401", "\"runTimeout\" must be between 1 and 86400 (seconds), found 86401")]
    [InlineData("\"4h\"", "\"runTimeout\" must be a number (seconds), found the string \"4h\"")]
    public void Run_timeout_defaults_to_four_hours_and_its_limits_are_checked(string value, string? message)
    {
        static ProfileSettings Parse(string json) => ProfileSettings.Parse(JsonNode.Parse(json)!.AsObject());
        Assert.Equal(TimeSpan.FromHours(4), Parse("""{"server": "https://acme.example/dir", "domains": {"a.example.com": {}}}""").RunTimeout);
        var json = """{"server": "https://acme.example/dir", "runTimeout": """ + value + """, "domains": {"a.example.com": {}}}""";
        if (message is null)
            Assert.Equal(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture), Parse(json).RunTimeout.TotalSeconds);
        else
            Assert.Equal($"shaman.json: {message}", Assert.Throws<ProfileException>(() => Parse(json)).Message);
    }
}
