using System.Net;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>The metrics file lives outside the profile, often in a directory of the monitoring account: what is planted in
/// its place is read only as a small regular file (a pipe or a link to a device is warned about and replaced, not read),
/// no link there redirects the write, and a directory another user can write is warned about.</summary>
public sealed class MetricsFileHostileTests
{
    private const string Name = "metrics.example.com";
    private static readonly DateTimeOffset Now = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> PlantedThings => new("a pipe", "a link to /dev/zero");

    [Theory]
    [MemberData(nameof(PlantedThings))]
    public async Task A_pipe_or_device_in_place_of_the_previous_metrics_file_is_replaced_not_read(string planted)
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync(Name);
        profile.Update(config => config["metrics"] = "concorde.prom");
        var path = profile.PathOf("concorde.prom");
        if (planted == "a pipe") SpecialFiles.Fifo(path);
        else File.CreateSymbolicLink(path, "/dev/zero");
        // A failed run carries the last success over from the previous file, so it reads it.
        ca.RefuseNextOrder(HttpStatusCode.Forbidden, "urn:ietf:params:acme:error:rejectedIdentifier", "scripted refusal");

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now)).WaitAsync(TimeSpan.FromSeconds(30))).Exited(1);

        Assert.Contains($"shaman: {path}: is not a regular file", run.Stderr, StringComparison.Ordinal);
        Assert.True(FileStatus(path).IsRegular, "a fresh metrics file replaces what was planted");
        Assert.Contains("concorde_run_exit_code", await File.ReadAllTextAsync(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_link_in_place_of_the_metrics_file_is_replaced_and_its_target_left_alone()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync(Name);
        using var outside = new TempDirectory("concorde-metrics-victim-");
        var victim = outside.Combine("victim");
        await File.WriteAllTextAsync(victim, "untouched");
        profile.Update(config => config["metrics"] = "concorde.prom");
        var path = profile.PathOf("concorde.prom");
        File.CreateSymbolicLink(path, victim);

        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        Assert.Equal("untouched", await File.ReadAllTextAsync(victim));
        Assert.False(FileStatus(path).IsSymbolicLink);
        Assert.Contains("concorde_run_exit_code", await File.ReadAllTextAsync(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_metrics_directory_another_user_can_write_is_warned_about_and_still_written()
    {
        if (!Environment.IsPrivilegedProcess) return;
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync(Name);
        var directory = profile.PathOf("node-exporter");
        Directory.CreateDirectory(directory);
        FileOwnership.Set(directory, FileOwnership.DaemonUser, FileOwnership.DaemonGroup);
        profile.Update(config => config["metrics"] = "node-exporter/concorde.prom");

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        var warning = Assert.Single(run.Lines, line => line.StartsWith("WARNING ", StringComparison.Ordinal));
        Assert.StartsWith($"WARNING {directory} (the \"metrics\" directory): owned by 'daemon'", warning, StringComparison.Ordinal);
        Assert.Contains("can replace or remove the metrics file", warning, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(directory, "concorde.prom")));
    }

    private static Concorde.Acme.Files.FileStatus FileStatus(string path) => Concorde.Acme.Files.FileStatus.OfLink(path)!.Value;
}
