using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>`profile` at profile level and per domain goes into newOrder, checked first against the
/// directory's meta.profiles. Scripted (Pebble 2.4 has no profiles), and against Pebble for the CA without any.</summary>
public sealed class ShamanCertificateProfileTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    private static readonly DateTimeOffset Now = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Profile_of_the_profile_and_of_a_domain_go_into_each_new_order()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync("inherits.example.com", "own.example.com");
        profile.Update(c => c["profile"] = "shortlived");
        profile.UpdateDomain("own.example.com", d => d["profile"] = "classic");

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        var profiles = ca.NewOrderPayloads.ToDictionary(
            p => p.GetProperty("identifiers")[0].GetProperty("value").GetString()!,
            p => p.GetProperty("profile").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["inherits.example.com"] = "shortlived", ["own.example.com"] = "classic" }, profiles);
        Assert.Contains(run.Lines, l => l.StartsWith("INFO inherits.example.com: created order ", StringComparison.Ordinal) && l.EndsWith("(profile shortlived)", StringComparison.Ordinal));
        using var leaf = profile.Leaf("own.example.com");
    }

    [Fact]
    public async Task Profile_the_CA_does_not_offer_fails_the_domain_naming_the_offered_ones_before_any_order()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync("typo.example.com");
        profile.Update(c => c["profile"] = "shortlive");

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        Assert.Contains("ERROR typo.example.com: the CA offers no profile \"shortlive\"; it offers classic, shortlived. Fix \"profile\" in shaman.json", run.Lines);
        Assert.Empty(ca.NewOrderPayloads);
        Assert.False(profile.ReadDomain("typo.example.com").ContainsKey("order_id"));
    }

    [Fact]
    public async Task Profile_set_for_a_CA_without_profiles_fails_with_the_fix()
    {
        using var files = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("profile");
        var config = files.Config(Challenge.Http01, ShamanProfile.Http01, name);
        config["domains"]![name]!["profile"] = "shortlived";
        files.Write(config);

        var run = (await files.RunAsync()).Exited(1);

        Assert.Contains($"ERROR {name}: profile \"shortlived\" is set, but the CA offers no certificate profiles; remove \"profile\" from shaman.json", run.Lines);
        Assert.False(files.ReadDomain(name).ContainsKey("order_id"));
        Assert.False(File.Exists(files.PathOf(ShamanProfile.CertificateFile(name))));
    }

    [Theory]
    [InlineData(7, "\"profile\" must be a non-empty string, found the number 7")]
    [InlineData("", "\"profile\" must be a non-empty string, found the string \"\"")]
    public async Task Malformed_profile_is_a_configuration_error_that_changes_nothing(object value, string message)
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync("bad.example.com");
        profile.UpdateDomain("bad.example.com", d => d["profile"] = value is int number ? number : (string)value);
        var text = File.ReadAllText(profile.PathOf("shaman.json"));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(2);

        Assert.Equal($"shaman: shaman.json: domain \"bad.example.com\": {message}\n", run.Stderr);
        Assert.Empty(ca.Handler.Requests);
        Assert.Equal(text, File.ReadAllText(profile.PathOf("shaman.json")));
    }
}
