using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>A Pebble that always hands out an account's existing valid authorization (RFC 8555 §7.1.3 allows
/// it; Let's Encrypt does it for 30 days). The default test Pebble has reuse off, see PebbleOptions.</summary>
public sealed class ReusingPebbleFixture() : PebbleFixture(new PebbleOptions
{
    EnvironmentVariables = new Dictionary<string, string> { ["PEBBLE_AUTHZREUSE"] = "100" },
});

public sealed class ShamanAuthorizationReuseTests(ReusingPebbleFixture pebble) : IClassFixture<ReusingPebbleFixture>
{
    [Fact]
    public async Task A_renewal_with_an_authorization_that_is_still_valid_runs_no_authenticator()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("reuse");
        // Pebble's certificates live five years; 100000 days is always "within the window".
        profile.Write(profile.Config(new() { [Challenge.Http01] = ShamanProfile.Http01 }, ShamanProfile.Domains(name), renewal: 100000));
        var first = (await profile.RunAsync()).Exited(0);
        Assert.Single(first.Lines, l => l.Contains($": authenticated {name} with http-01", StringComparison.Ordinal));
        using var firstLeaf = profile.AssertCertificate(name);

        var second = (await profile.RunAsync()).Exited(0);

        Assert.Single(second.Lines, l => l.Contains(": created order ", StringComparison.Ordinal));
        Assert.DoesNotContain(second.Lines, l => l.Contains("authenticat", StringComparison.Ordinal));
        using var secondLeaf = profile.AssertCertificate(name);
        Assert.NotEqual(firstLeaf.SerialNumber, secondLeaf.SerialNumber);
    }
}
