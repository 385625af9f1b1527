using System.Globalization;
using Concorde.Acme.Wire;
using Concorde.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Faults;

/// <summary>A CA that refuses with Retry-After (a rate limit) is not asked again for that domain before the moment it
/// named, even when the backoff step alone would already allow it; success forgets the moment.</summary>
public sealed class ShamanRetryAfterTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task Rate_limited_domain_waits_for_the_cas_retry_after_beyond_the_first_backoff_step()
    {
        var name = ShamanProfile.UniqueName("retry-after");
        await using var proxy = FaultProxy.Start(pebble.Server);
        using var profile = new ShamanProfile(pebble.Server);
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, name);
        config["server"] = proxy.DirectoryUrl.AbsoluteUri;
        profile.Write(config);
        proxy.Inject(Fault.RateLimited(3 * 3600), HttpMethod.Post, PebblePaths.NewOrder, FaultRule.Always);
        var started = DateTimeOffset.UtcNow;

        var limited = (await profile.RunAsync()).Exited(1);

        var retryAfter = DateTimeOffset.Parse(profile.ReadDomain(name)["retryAfter"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, started.AddHours(3).AddSeconds(-1), DateTimeOffset.UtcNow.AddHours(3).AddSeconds(1));
        Assert.Contains(limited.Lines, l => l == $"INFO {name}: will try again after {retryAfter:yyyy-MM-dd HH:mm} UTC (1 failed attempt)");

        // Two hours later the one-hour backoff step has passed, the CA's three hours have not.
        var record = profile.Read();
        record["domains"]![name]!["lastFailure"] = DomainState.FormatTime(started.AddHours(-2));
        profile.Write(record);
        var requests = proxy.Requests.Count;

        var skipped = (await profile.RunAsync()).Exited(1);

        Assert.Equal(requests, proxy.Requests.Count);
        Assert.Contains(skipped.Lines, l => l.StartsWith($"WARNING {name}: skipped after 1 failed attempt until {retryAfter:yyyy-MM-dd HH:mm} UTC", StringComparison.Ordinal));

        proxy.ClearFaults();
        (await ShamanProcess.RunAsync(["--force", profile.Directory])).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        Assert.False(profile.ReadDomain(name).ContainsKey("retryAfter"));
    }
}
