using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>What README promises for a fleet split across profiles: each profile has its own lock, so
/// several run at the same time, and they may share one account by holding a copy of the same account key.</summary>
public sealed class ShamanSharedAccountTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    private const int NamesPerProfile = 12;

    [Fact]
    public async Task Two_profiles_with_the_same_account_key_run_in_parallel_and_both_get_every_certificate_on_one_account()
    {
        using var first = new ShamanProfile(pebble.Server);
        using var second = new ShamanProfile(pebble.Server);
        var seed = ShamanProfile.UniqueName("shared-seed");
        first.Write(first.Config(Challenge.Http01, ShamanProfile.Http01, seed));
        (await first.RunAsync()).Exited(0);
        var account = (string?)first.Read()["account_id"];
        Assert.NotNull(account);
        File.Copy(first.PathOf(ShamanProfile.AccountKeyFile), second.PathOf(ShamanProfile.AccountKeyFile));
        File.SetUnixFileMode(second.PathOf(ShamanProfile.AccountKeyFile), ShamanProfile.PrivateMode);

        var firstNames = Enumerable.Range(1, NamesPerProfile).Select(i => ShamanProfile.UniqueName($"shared-a{i}")).ToArray();
        var secondNames = Enumerable.Range(1, NamesPerProfile).Select(i => ShamanProfile.UniqueName($"shared-b{i}")).ToArray();
        first.Update(config =>
        {
            foreach (var name in firstNames) config["domains"]!.AsObject()[name] = new JsonObject();
        });
        second.Write(second.Config(Challenge.Http01, ShamanProfile.Http01, secondNames));

        var runs = await Task.WhenAll(first.RunAsync(), second.RunAsync());

        Assert.All(runs, run => Assert.Empty(run.Exited(0).ErrorLines));
        foreach (var name in firstNames.Append(seed)) using (first.AssertCertificate(name)) { }
        foreach (var name in secondNames) using (second.AssertCertificate(name)) { }
        Assert.Equal(account, (string?)first.Read()["account_id"]);
        Assert.Equal(account, (string?)second.Read()["account_id"]);
    }
}
