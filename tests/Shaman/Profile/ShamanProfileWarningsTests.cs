using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>A misspelt field is kept and the run goes on, but the log says which field had no effect, where, and
/// what was probably meant; a profile holding only what shaman and the Python tool write draws no warning.</summary>
public sealed class ShamanProfileWarningsTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task Misspelt_fields_are_named_in_warnings_and_the_run_still_issues_without_them()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("typos");
        var config = profile.Config(new JsonObject { [Challenge.Http01] = ShamanProfile.Http01 },
            new JsonObject { [name] = new JsonObject { ["altnames"] = new JsonArray("www." + name), ["deply"] = ShamanProfile.Failing } },
            renewal: null);
        config["renewl"] = 30;
        config["deploy_hook"] = ShamanProfile.Failing;
        profile.Write(config);

        var run = (await profile.RunAsync()).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        // The certificate has the primary name only, and the failing deploy hook never ran (exit 0).
        Assert.Equal([name], CertificateNames.DnsNames(leaf));
        Assert.Equal(
            [
                $"WARNING shaman.json: unknown field \"altnames\" in domain \"{name}\" has no effect (it is kept in the file); did you mean \"altNames\"?",
                "WARNING shaman.json: unknown field \"deploy_hook\" at the top level has no effect (it is kept in the file); did you mean \"deploy\"?",
                $"WARNING shaman.json: unknown field \"deply\" in domain \"{name}\" has no effect (it is kept in the file); did you mean \"deploy\"?",
                "WARNING shaman.json: unknown field \"renewl\" at the top level has no effect (it is kept in the file); did you mean \"renewal\"?",
            ],
            run.Lines.Where(l => l.StartsWith("WARNING ", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(30, profile.Read()["renewl"]!.GetValue<int>());
    }

    [Fact]
    public async Task Python_style_profile_and_the_state_shaman_records_in_it_draw_no_warning()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var good = ShamanProfile.UniqueName("clean");
        var failing = ShamanProfile.UniqueName("clean-failing");
        var config = profile.Config(new JsonObject { [Challenge.Http01] = ShamanProfile.Http01 }, new JsonObject
        {
            [good] = new JsonObject(),
            [failing] = new JsonObject { ["authenticators"] = new JsonObject { [Challenge.Http01] = ShamanProfile.Failing } },
        });
        config["logThreshold"] = 20;
        config["deploy"] = "true";
        profile.Write(config);

        var first = (await profile.RunAsync()).Exited(1);
        var second = (await profile.RunAsync()).Exited(1);

        using var leaf = profile.AssertCertificate(good);
        // What the runs recorded: the account, keys, a certificate, renewal information and a failure record.
        var root = profile.Read();
        Assert.True(root.ContainsKey("account_id") && root.ContainsKey("key"), profile.Text());
        Assert.True(profile.ReadDomain(good).ContainsKey("renewalInfo"), profile.Text());
        Assert.True(profile.ReadDomain(failing).ContainsKey("lastError"), profile.Text());
        // The one warning is the backoff's, about the failing domain, not about a field.
        Assert.DoesNotContain(first.Lines, l => l.StartsWith("WARNING ", StringComparison.Ordinal));
        Assert.Single(second.Lines, l => l.StartsWith("WARNING ", StringComparison.Ordinal));
        Assert.Single(second.Lines, l => l.StartsWith($"WARNING {failing}: skipped after 1 failed attempt until ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Renewal_of_zero_days_is_warned_about_at_every_run()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("renewal-zero");
        profile.Write(profile.Config(new JsonObject { [Challenge.Http01] = ShamanProfile.Http01 }, ShamanProfile.Domains(name), renewal: 0));

        var first = (await profile.RunAsync()).Exited(0);
        var second = (await profile.RunAsync()).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        foreach (var run in new[] { first, second })
            Assert.Single(run.Lines, l => l.StartsWith("WARNING shaman.json: \"renewal\": 0 renews a certificate only once it has expired", StringComparison.Ordinal)
                                          && l.Contains("e.g. \"renewal\": 30", StringComparison.Ordinal));
    }
}
