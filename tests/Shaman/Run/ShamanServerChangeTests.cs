using System.Security.Cryptography.X509Certificates;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>Switching `server` (staging → production, as the README advises) gives an account and certificates
/// from the new CA in the same run; the old CA's certificate does not stay in place until it is due.</summary>
public sealed class ShamanServerChangeTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task A_new_server_gets_a_new_account_and_new_certificates_for_the_same_keys()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        using var staging = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("switch");
        staging.Write(staging.Config(Challenge.Http01, ShamanProfile.Http01, name));
        (await staging.RunAsync()).Exited(0);
        Assert.Equal(pebble.Server.DirectoryUrl.AbsoluteUri, staging.Read()["account_server"]!.GetValue<string>());
        // As the Python tool leaves it: no account_server. The run takes the account to be the current server's.
        var python = staging.Read();
        python.Remove("account_server");
        staging.Write(python);
        var quiet = (await staging.RunAsync()).Exited(0);
        Assert.Empty(quiet.Lines);
        Assert.Equal(pebble.Server.DirectoryUrl.AbsoluteUri, staging.Read()["account_server"]!.GetValue<string>());
        using var stagingLeaf = staging.AssertCertificate(name);

        await using var production = await PebbleServer.StartAsync(ct);
        using var profile = SwitchedTo(production, staging, _ => { });
        var keys = Directory.EnumerateFiles(profile.Directory, "*.key.priv.pem").ToDictionary(f => f, File.ReadAllText);

        var dryRun = (await ShamanProcess.RunAsync(["--dry-run", profile.Directory])).Exited(0);
        var run = (await profile.RunAsync()).Exited(0);
        var next = (await profile.RunAsync()).Exited(0);

        Assert.Contains(dryRun.Lines, l => l.StartsWith($"would forget the account, orders and certificates of {pebble.Server.DirectoryUrl.AbsoluteUri}", StringComparison.Ordinal));
        Assert.Contains(run.Lines, l => l.StartsWith($"WARNING \"server\" changed from {pebble.Server.DirectoryUrl.AbsoluteUri} to {production.DirectoryUrl.AbsoluteUri}", StringComparison.Ordinal));
        var state = profile.Read();
        var productionOrigin = production.DirectoryUrl.GetLeftPart(UriPartial.Authority);
        Assert.StartsWith(productionOrigin, state["account_id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(production.DirectoryUrl.AbsoluteUri, state["account_server"]!.GetValue<string>());
        Assert.StartsWith(productionOrigin, profile.ReadDomain(name)["certificate_id"]!.GetValue<string>(), StringComparison.Ordinal);
        using var leaf = profile.AssertCertificate(name);
        Assert.NotEqual(stagingLeaf.Issuer, leaf.Issuer);
        Assert.Equal(keys, Directory.EnumerateFiles(profile.Directory, "*.key.priv.pem").ToDictionary(f => f, File.ReadAllText));
        Assert.Empty(next.Lines);
    }

    [Fact]
    public async Task A_profile_without_account_server_switched_in_the_same_step_is_noticed_by_the_account_url()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var staging = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("switch-python");
        staging.Write(staging.Config(Challenge.Http01, ShamanProfile.Http01, name));
        (await staging.RunAsync()).Exited(0);

        await using var production = await PebbleServer.StartAsync(timeout.Token);
        // As an upgrade from the Python tool and the switch to production in one edit leave it.
        using var profile = SwitchedTo(production, staging, config => config.Remove("account_server"));

        var run = (await profile.RunAsync()).Exited(0);

        var stagingOrigin = pebble.Server.DirectoryUrl.GetLeftPart(UriPartial.Authority);
        Assert.Contains(run.Lines, l => l.StartsWith($"WARNING \"server\" changed from {stagingOrigin} to {production.DirectoryUrl.AbsoluteUri}", StringComparison.Ordinal));
        Assert.StartsWith(production.DirectoryUrl.GetLeftPart(UriPartial.Authority), profile.ReadDomain(name)["certificate_id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(production.DirectoryUrl.AbsoluteUri, profile.Read()["account_server"]!.GetValue<string>());
    }

    /// <summary>The staging profile's files in a directory of <paramref name="production"/>'s, with `server` and
    /// `caBundle` pointing there: what an administrator's edit of shaman.json amounts to.</summary>
    private static ShamanProfile SwitchedTo(PebbleServer production, ShamanProfile staging, Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        var profile = new ShamanProfile(production);
        foreach (var file in Directory.EnumerateFiles(staging.Directory, "*.pem").Append(staging.JsonPath))
            File.Copy(file, profile.PathOf(Path.GetFileName(file)));
        var config = profile.Read();
        edit(config);
        config["server"] = production.DirectoryUrl.AbsoluteUri;
        config["caBundle"] = production.CaBundlePath;
        profile.Write(config);
        return profile;
    }
}
