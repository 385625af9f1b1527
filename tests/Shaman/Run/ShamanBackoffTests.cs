using System.Globalization;
using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>A failed domain records failures, lastFailure and lastError; later runs leave it alone — not a
/// single request — until the backoff (1 h doubling, at most 24 h) expires; --force tries at once; success clears
/// the record. Other domains go on.</summary>
public sealed class ShamanBackoffTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task Failed_domain_is_left_alone_until_force_and_success_clears_its_record()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var (good, broken) = (ShamanProfile.UniqueName("backoff-good"), ShamanProfile.UniqueName("backoff-broken"));
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, good, broken);
        config["domains"]![broken]!["authenticators"] = new JsonObject { [Challenge.Http01] = ShamanProfile.Failing };
        profile.Write(config);
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);

        var first = (await profile.RunAsync()).Exited(1);

        using (profile.AssertCertificate(good))
        {
        }
        var record = profile.ReadDomain(broken);
        Assert.Equal(1, record["failures"]!.GetValue<int>());
        var lastFailure = DateTimeOffset.Parse(record["lastFailure"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.InRange(lastFailure, started, DateTimeOffset.UtcNow);
        Assert.Contains($"{ShamanProfile.Failing} failed with exit status 1", record["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(first.Lines, l => l.StartsWith($"INFO {broken}: will try again after ", StringComparison.Ordinal) && l.EndsWith("(1 failed attempt)", StringComparison.Ordinal));
        Assert.False(profile.ReadDomain(good).ContainsKey("failures"));
        var requests = PebbleTraffic.Requests(pebble.Server);

        var skipped = (await profile.RunAsync()).Exited(1);

        Assert.Equal(requests, await PebbleTraffic.SettledRequestsAsync(pebble.Server));
        var warning = Assert.Single(skipped.Lines, l => l.StartsWith("WARNING ", StringComparison.Ordinal));
        // The last error is quoted without its leading domain name: the line names the domain once.
        Assert.StartsWith($"WARNING {broken}: skipped after 1 failed attempt until {lastFailure.AddHours(1):yyyy-MM-dd HH:mm} UTC " +
                          "(last error: http-01 authenticator program ", warning, StringComparison.Ordinal);
        Assert.Contains("--force", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(skipped.Lines, l => l.Contains($"{ShamanProfile.Failing} stderr:", StringComparison.Ordinal));
        Assert.Equal(1, profile.ReadDomain(broken)["failures"]!.GetValue<int>());

        var forced = (await ShamanProcess.RunAsync(["--force", profile.Directory])).Exited(1);

        Assert.Contains(forced.Lines, l => l.Contains("refusing to publish", StringComparison.Ordinal));
        Assert.Equal(2, profile.ReadDomain(broken)["failures"]!.GetValue<int>());
        Assert.Contains(forced.Lines, l => l.EndsWith("(2 failed attempts)", StringComparison.Ordinal));

        // Fixing the authenticator does not lift the backoff by itself; --force does.
        var fixedConfig = profile.Read();
        fixedConfig["domains"]![broken]!["authenticators"] = new JsonObject { [Challenge.Http01] = ShamanProfile.Http01 };
        profile.Write(fixedConfig);
        (await profile.RunAsync()).Exited(1);
        var recovered = (await ShamanProcess.RunAsync(["--force", profile.Directory])).Exited(0);

        Assert.Empty(recovered.ErrorLines);
        using var leaf = profile.AssertCertificate(broken);
        var cleared = profile.ReadDomain(broken);
        foreach (var field in new[] { "failures", "lastFailure", "lastError" })
            Assert.False(cleared.ContainsKey(field), $"{field} is left after success: {cleared.ToJsonString()}");
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(-3, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(4, 8)]
    [InlineData(5, 16)]
    [InlineData(6, 24)]
    [InlineData(7, 24)]
    [InlineData(64, 24)]
    [InlineData(int.MaxValue, 24)]
    public void Backoff_is_an_hour_doubling_with_each_failure_up_to_a_day(int failures, int hours)
    {
        Assert.Equal(TimeSpan.FromHours(hours), FailureBackoff.Delay(failures));
        var last = new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(last.AddHours(hours), FailureBackoff.NextAttempt(failures, last));
    }
}
