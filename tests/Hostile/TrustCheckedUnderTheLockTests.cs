using System.Text.Json.Nodes;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>What is checked is what is used: a profile that passed StrictModes before `--random-sleep` and then changed
/// while shaman slept (or waited for the lock) is judged again, as it is read under the lock, before anything of it
/// runs.</summary>
public sealed class TrustCheckedUnderTheLockTests
{
    private const string Name = "sleeper.example.com";
    private static readonly DateTimeOffset Now = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_profile_directory_made_group_writable_during_the_sleep_is_refused_under_the_lock()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await CurrentProfileAsync(ca);
        var time = new AutoAdvancingTimeProvider(Now) { WhileWaiting = _ => File.SetUnixFileMode(profile.Directory, (UnixFileMode)0b111_111_101) };

        var run = await profile.RunAsync(ca, time, options: ["--random-sleep", "30"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{profile.Directory} (the profile directory): writable by group", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(ca.Handler.Requests);
    }

    [Fact]
    public async Task A_shaman_json_rewritten_during_the_sleep_to_name_a_program_others_could_replace_is_refused_before_it_runs()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await CurrentProfileAsync(ca);
        var open = Directory.CreateDirectory(profile.PathOf("open")).FullName;
        File.SetUnixFileMode(open, (UnixFileMode)0b111_111_111);
        var planted = Path.Combine(open, "deploy.sh");
        var time = new AutoAdvancingTimeProvider(Now)
        {
            WhileWaiting = _ =>
            {
                File.WriteAllText(planted, $"#!/bin/sh\ntouch {profile.PathOf("planted-deploy-ran")}\n");
                File.SetUnixFileMode(planted, (UnixFileMode)0b111_101_101);
                // A deploy pending, so that the rewritten profile would run it at once.
                profile.Update(c => c["deploy"] = planted);
                profile.UpdateDomain(Name, d => d["deployPending"] = true);
            },
        };

        var run = await profile.RunAsync(ca, time, options: ["--random-sleep", "30"]);

        Assert.Equal(2, run.ExitCode);
        Assert.True(run.Stderr.Contains($"{open} (the directory holding the deploy program named in shaman.json): writable by every user", StringComparison.Ordinal), run.Stderr);
        Assert.False(File.Exists(profile.PathOf("planted-deploy-ran")), "the planted deploy program must not run");
    }

    private static async Task<ScriptedProfile> CurrentProfileAsync(ScriptedCa ca)
    {
        var profile = await ScriptedProfile.CreateAsync(Name);
        profile.InstallCertificate(Name, ca.Authority, Now.AddDays(-1), Now.AddDays(89)).Dispose();
        profile.UpdateDomain(Name, d =>
        {
            d["certificate_id"] = "https://ca.example/cert/1";
            d["renewalInfo"] = new JsonObject { ["checkAfter"] = ScriptedCa.Format(Now.AddHours(6)) };
        });
        return profile;
    }
}
