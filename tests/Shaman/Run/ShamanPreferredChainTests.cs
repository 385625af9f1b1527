using System.Security.Cryptography.X509Certificates;
using Concorde.Acme.Wire;
using Concorde.Tests.Acme;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>`preferredChain` picks, among the default chain and the `Link: rel="alternate"` ones, the chain
/// whose top certificate is issued by that common name; an unknown name keeps the default and warns. Against a
/// Pebble with PEBBLE_ALTERNATE_ROOTS=2: three roots, each certificate offered under all three.</summary>
public sealed class ShamanPreferredChainTests(AlternateRootsPebbleFixture pebble) : IClassFixture<AlternateRootsPebbleFixture>
{
    [Fact]
    public async Task Preferred_chain_of_the_profile_and_of_a_domain_end_at_the_named_issuer()
    {
        var (defaultRoot, firstAlternate, secondAlternate) = (await RootNameAsync(0), await RootNameAsync(1), await RootNameAsync(2));
        Assert.Equal(3, new[] { defaultRoot, firstAlternate, secondAlternate }.Distinct().Count());
        using var profile = new ShamanProfile(pebble.Server);
        var (shared, own) = (ShamanProfile.UniqueName("chain-shared"), ShamanProfile.UniqueName("chain-own"));
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, shared, own);
        config["preferredChain"] = secondAlternate;
        config["domains"]![own]!["preferredChain"] = firstAlternate;
        profile.Write(config);

        var run = (await profile.RunAsync()).Exited(0);

        Assert.Equal(secondAlternate, TopIssuer(profile, shared));
        Assert.Equal(firstAlternate, TopIssuer(profile, own));
        Assert.Contains($"INFO {shared}: using the alternate chain issued by \"{secondAlternate}\"", run.Lines);
        using var leaf = profile.AssertCertificate(shared);
        Assert.DoesNotContain(run.Lines, l => l.StartsWith("WARNING", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Preferred_chain_naming_the_default_chains_issuer_keeps_the_default()
    {
        var defaultRoot = await RootNameAsync(0);
        using var profile = new ShamanProfile(pebble.Server);
        var name = WriteProfilePreferring(profile, "chain-default", defaultRoot);

        var run = (await profile.RunAsync()).Exited(0);

        Assert.Equal(defaultRoot, TopIssuer(profile, name));
        Assert.DoesNotContain(run.Lines, l => l.Contains("alternate chain", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_preferred_chain_keeps_the_default_chain_with_a_warning()
    {
        var defaultRoot = await RootNameAsync(0);
        using var profile = new ShamanProfile(pebble.Server);
        var name = WriteProfilePreferring(profile, "chain-unknown", "ISRG Root X9");

        var run = (await profile.RunAsync()).Exited(0);

        Assert.Equal(defaultRoot, TopIssuer(profile, name));
        Assert.Contains($"WARNING {name}: no chain offered by the CA ends at an issuer named \"ISRG Root X9\" (preferredChain); " +
                        $"using the default chain, issued by \"{defaultRoot}\"", run.Lines);
        using var leaf = profile.AssertCertificate(name);
    }

    /// <summary>Writes a shaman.json for one fresh name with a profile-wide <paramref name="preferredChain"/>; returns the name.</summary>
    private static string WriteProfilePreferring(ShamanProfile profile, string label, string preferredChain)
    {
        var name = ShamanProfile.UniqueName(label);
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, name);
        config["preferredChain"] = preferredChain;
        profile.Write(config);
        return name;
    }

    private async Task<string> RootNameAsync(int index)
    {
        using var root = X509Certificate2.CreateFromPem(await pebble.Server.Management.GetRootCertificatePemAsync(index));
        return root.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
    }

    /// <summary>The issuer common name of the last certificate in the domain's chain file.</summary>
    private static string TopIssuer(ShamanProfile profile, string name)
    {
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(File.ReadAllText(profile.PathOf(ShamanProfile.CertificateFile(name))));
        return chain[^1].GetNameInfo(X509NameType.SimpleName, forIssuer: true);
    }
}
