using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Concorde.Tests.Load;

/// <summary>A Pebble that answers half of all good nonces with badNonce (<c>PEBBLE_WFE_NONCEREJECT=50</c>).</summary>
public sealed class NonceRejectingPebbleFixture() : PebbleFixture(new PebbleOptions
{
    EnvironmentVariables = new Dictionary<string, string> { ["PEBBLE_WFE_NONCEREJECT"] = "50" },
});

/// <summary>Under <c>PEBBLE_WFE_NONCEREJECT=50</c>, 20 of 20 single-domain issuances succeed. Each is its
/// own new profile (new account key, account, domain key, order, finalize, download: eight POSTs, the most an
/// issuance sends), run once; none may need a second run. Pebble rejects each POST independently, so a client
/// that retries badNonce n times loses a request with probability 2^-(n+1): these 160 POSTs hold only when n is
/// well above 10 (at 10, one run in about 13 fails).</summary>
[Collection(LoadCollection.Name)]
public sealed class ShamanNonceRejectionLoadTests(NonceRejectingPebbleFixture pebble, ITestOutputHelper output)
    : IClassFixture<NonceRejectingPebbleFixture>
{
    private const int Issuances = 20;

    /// <summary>Pebble endpoints every one of these issuances calls successfully exactly once: newAccount, newOrder, finalize.</summary>
    private static readonly string[] OncePerIssuance = ["/sign-me-up", "/order-plz", "/finalize-order/"];

    [Fact]
    public async Task Twenty_of_twenty_single_domain_issuances_succeed_while_Pebble_rejects_half_of_all_nonces()
    {
        Assert.Contains("Configured to reject 50% of good nonces", pebble.Server.PebbleLog, StringComparison.Ordinal);
        var attemptsBefore = OncePerIssuance.Sum(path => PebbleTraffic.Requests(pebble.Server, path));
        var failures = new List<string>();

        for (var i = 1; i <= Issuances; i++)
        {
            using var profile = new ShamanProfile(pebble.Server);
            var name = ShamanProfile.UniqueName($"nonce{i:00}");
            profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, name));
            var run = await profile.RunAsync();
            if (run.ExitCode != 0 || run.ErrorLines.Count > 0)
            {
                failures.Add($"issuance {i}: {run}");
                continue;
            }
            using var leaf = profile.AssertCertificate(name);
            await PythonFormat.AssertFormattedAsync(profile.Text());
        }

        Assert.True(failures.Count == 0, $"{Issuances - failures.Count} of {Issuances} issuances succeeded:{Environment.NewLine}" +
                                         string.Join(Environment.NewLine, failures));
        // Each of those endpoints accepted exactly one request per issuance; every attempt beyond that was answered
        // badNonce and retried by shaman, so the retries really happened.
        var rejected = OncePerIssuance.Sum(path => PebbleTraffic.Requests(pebble.Server, path)) - attemptsBefore - OncePerIssuance.Length * Issuances;
        Assert.True(rejected > 0, "Pebble rejected no nonce at newAccount, newOrder or finalize; the test proved nothing");
        output.WriteLine($"{Issuances} of {Issuances} issuances; newAccount, newOrder and finalize alone were answered badNonce {rejected} times " +
                         $"({OncePerIssuance.Length * Issuances} accepted)");
    }
}
