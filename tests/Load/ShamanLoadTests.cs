using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Concorde.Tests.Load;

/// <summary>One profile with 200 new domains against Pebble (<c>PEBBLE_VA_NOSLEEP=1</c>, http-01 through
/// challtestsrv, the default <c>parallel</c>) is carried to 200 certificates in one run, and shaman.json is whole at
/// every moment of it.</summary>
[Collection(LoadCollection.Name)]
public sealed class ShamanLoadTests(PebbleFixture pebble, ITestOutputHelper output) : IClassFixture<PebbleFixture>
{
    private const int DomainCount = 200;

    /// <summary>Generous: the run takes 5–15 s on a 2-core machine, longer while the rest of the suite runs beside it.</summary>
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(240);

    [Fact]
    public async Task Two_hundred_domains_in_one_profile_all_get_their_certificate_in_one_run_and_shaman_json_stays_consistent()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var names = Enumerable.Range(1, DomainCount).Select(i => ShamanProfile.UniqueName($"load{i:000}")).ToArray();
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, names);
        Assert.False(config.ContainsKey("parallel"), "the default parallel setting is the one under load");
        profile.Write(config);
        var ordersBefore = PebbleTraffic.Requests(pebble.Server, "/order-plz");
        var finalizesBefore = PebbleTraffic.Requests(pebble.Server, "/finalize-order/");

        var clock = Stopwatch.StartNew();
        using var shaman = ShamanProcess.Start([profile.Directory]);
        var watched = await WatchAsync(profile, shaman, names);
        var run = (await shaman.WaitAsync(RunTimeout)).Exited(0);
        clock.Stop();

        Assert.Empty(run.ErrorLines);
        // Every name was ordered and finalized exactly once: none was given up on, none issued twice.
        Assert.Equal(DomainCount, PebbleTraffic.Requests(pebble.Server, "/order-plz") - ordersBefore);
        Assert.Equal(DomainCount, PebbleTraffic.Requests(pebble.Server, "/finalize-order/") - finalizesBefore);

        var text = profile.Text();
        await PythonFormat.AssertFormattedAsync(text);
        var domains = JsonNode.Parse(text)!["domains"]!.AsObject();
        Assert.Equal(names.Order(StringComparer.Ordinal), domains.Select(d => d.Key).Order(StringComparer.Ordinal));
        var certificateIds = new HashSet<string>(StringComparer.Ordinal);
        var publicKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            // certificate_id recorded, no order_id left, full chain on disk, leaf for this domain's own key (0600).
            using var leaf = profile.AssertCertificate(name);
            Assert.True(certificateIds.Add(domains[name]!["certificate_id"]!.GetValue<string>()), $"{name} shares a certificate_id");
            Assert.True(publicKeys.Add(Convert.ToHexString(leaf.PublicKey.EncodedKeyValue.RawData)), $"{name} shares a key with another domain");
        }
        var expectedFiles = new HashSet<string>(names.SelectMany(n => new[] { ShamanProfile.KeyFile(n), ShamanProfile.CertificateFile(n) }),
            StringComparer.Ordinal)
        {
            "shaman.json", ShamanProfile.AccountKeyFile, Concorde.Shaman.RunLock.FileName, ShamanProfile.Http01, ShamanProfile.Dns01,
            ShamanProfile.TlsAlpn01, ShamanProfile.Failing, ShamanProfile.SlowHttp01,
        };
        var unexpected = Directory.EnumerateFiles(profile.Directory).Select(Path.GetFileName).Where(f => !expectedFiles.Contains(f!)).ToList();
        Assert.True(unexpected.Count == 0, $"left behind in the profile: {string.Join(", ", unexpected)}");
        Assert.True(watched.Reads > 0, "shaman.json was never read while shaman ran");

        output.WriteLine($"{DomainCount} domains in {clock.Elapsed.TotalSeconds:0.0} s; shaman.json read {watched.Reads} times while " +
                         $"shaman ran ({watched.Changes} different versions), always whole");
    }

    /// <summary>Reads shaman.json over and over while <paramref name="shaman"/> runs, as an administrator's
    /// <c>cat</c> or a monitoring script would: every read must parse, list exactly the profile's names, and no domain
    /// may lose its certificate_id once it has one (saves are atomic and serialized).</summary>
    private static async Task<(int Reads, int Changes)> WatchAsync(ShamanProfile profile, ShamanProcess shaman, string[] names)
    {
        var reads = 0;
        var changes = 0;
        var last = "";
        var issued = new HashSet<string>(StringComparer.Ordinal);
        while (!shaman.HasExited)
        {
            var text = File.ReadAllText(profile.JsonPath);
            reads++;
            if (text != last)
            {
                changes++;
                last = text;
                JsonObject domains;
                try
                {
                    domains = JsonNode.Parse(text)!["domains"]!.AsObject();
                }
                catch (JsonException e)
                {
                    throw new Xunit.Sdk.XunitException($"shaman.json did not parse during the run ({e.Message}):{Environment.NewLine}{text}");
                }
                Assert.Equal(names.Length, domains.Count);
                foreach (var name in names)
                {
                    var domain = domains[name]?.AsObject() ?? throw new Xunit.Sdk.XunitException($"{name} vanished from shaman.json during the run");
                    if (domain.ContainsKey("certificate_id")) issued.Add(name);
                    else Assert.False(issued.Contains(name), $"{name} lost its certificate_id during the run");
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(25));
        }
        return (reads, changes);
    }
}

/// <summary>The load tests share the machine with each other one at a time (they are the heaviest of the suite);
/// every other test class still runs beside them.</summary>
[CollectionDefinition(Name)]
public sealed class LoadCollection
{
    public const string Name = "Load";
}
