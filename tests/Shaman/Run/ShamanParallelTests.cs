using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>`parallel` domains are worked on at once, never more, and shaman.json stays whole. (How
/// much faster that is, the benchmark measures.)</summary>
public sealed class ShamanParallelTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    /// <summary>Counts the authenticators running at this moment (its own included) into concurrency/, holds a
    /// while, then publishes as usual.</summary>
    private const string CountingHttp01 = "counting-http01.sh";

    [Fact]
    public async Task Eight_domains_with_parallel_4_are_all_issued_at_most_4_at_once_and_shaman_json_stays_consistent()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var names = WriteCountingProfile(profile, "parallel", count: 8, parallel: 4, holdSeconds: 0.7);

        var run = (await profile.RunAsync()).Exited(0);

        Assert.Empty(run.ErrorLines);
        foreach (var name in names)
        {
            using var leaf = profile.AssertCertificate(name);
        }
        var concurrency = Concurrency(profile);
        Assert.Equal(8, concurrency.Count);
        Assert.InRange(concurrency.Max(), 2, 4);
        var text = profile.Text();
        await PythonFormat.AssertFormattedAsync(text);
        var domains = JsonNode.Parse(text)!["domains"]!.AsObject();
        Assert.Equal(names.Order(StringComparer.Ordinal), domains.Select(d => d.Key).Order(StringComparer.Ordinal));
        profile.AssertNoTemporaryFiles();
    }

    [Fact]
    public async Task Parallel_1_works_on_one_domain_at_a_time()
    {
        using var profile = new ShamanProfile(pebble.Server);
        WriteCountingProfile(profile, "serial", count: 3, parallel: 1, holdSeconds: 0.2);

        (await profile.RunAsync()).Exited(0);

        var concurrency = Concurrency(profile);
        Assert.Equal([1, 1, 1], concurrency);
    }

    /// <summary>Writes the counting authenticator and a shaman.json for <paramref name="count"/> fresh names
    /// (<paramref name="label"/>1, 2, …) with `parallel`; returns the names.</summary>
    private static string[] WriteCountingProfile(ShamanProfile profile, string label, int count, int parallel, double holdSeconds)
    {
        WriteCountingAuthenticator(profile, holdSeconds);
        var names = Enumerable.Range(1, count).Select(i => ShamanProfile.UniqueName($"{label}{i}")).ToArray();
        var config = profile.Config(Challenge.Http01, CountingHttp01, names);
        config["parallel"] = parallel;
        profile.Write(config);
        return names;
    }

    private static void WriteCountingAuthenticator(ShamanProfile profile, double holdSeconds) =>
        profile.WriteScript(CountingHttp01, $"""
            mkdir -p running concurrency
            : > running/$$
            ls running | wc -l > concurrency/$$
            sleep {holdSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}
            rm running/$$
            exec ./{ShamanProfile.Http01}
            """);

    /// <summary>How many authenticators were running when each one started.</summary>
    private static IReadOnlyList<int> Concurrency(ShamanProfile profile) =>
        Directory.EnumerateFiles(profile.PathOf("concurrency")).Select(f => int.Parse(File.ReadAllText(f).Trim())).ToList();

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public async Task Parallel_out_of_range_is_a_configuration_error(double parallel)
    {
        using var profile = new ShamanProfile(pebble.Server);
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, ShamanProfile.UniqueName("parallel-bad"));
        config["parallel"] = parallel;
        profile.Write(config);
        var before = profile.Snapshot();

        var run = (await profile.RunAsync()).Exited(2);

        Assert.Contains("\"parallel\"", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, profile.Snapshot());
    }
}
