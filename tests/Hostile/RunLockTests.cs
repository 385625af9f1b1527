using System.Diagnostics;
using Concorde.Acme.Files;
using Concorde.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>No other user can stop renewals through ".shaman.lock": it is 0600 (an older, looser one is made so), a lock
/// file of another user is refused, and a lock held by another user's process, or not taken by any run for longer than a
/// run may take, fails the run (exit 1, in the metrics file) instead of exiting 75 for ever.</summary>
public sealed class RunLockTests
{
    private const string Name = "lock.example.com";
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly UnixFileMode Legacy = (UnixFileMode)Convert.ToInt32("644", 8);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_lock_file_is_private_whether_new_or_left_readable_by_an_older_version(bool legacy)
    {
        using var ca = new ScriptedCa(TimeProvider.System);
        using var profile = await ScriptedProfile.CreateAsync(Name);
        var path = profile.PathOf(RunLock.FileName);
        if (legacy)
        {
            await File.WriteAllTextAsync(path, "");
            File.SetUnixFileMode(path, Legacy);
        }

        (await profile.RunAsync(ca, TimeProvider.System)).Exited(0);

        Assert.Equal(Private, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task A_lock_file_of_another_user_is_refused()
    {
        if (!Environment.IsPrivilegedProcess) return;
        using var ca = new ScriptedCa(TimeProvider.System);
        using var profile = await ScriptedProfile.CreateAsync(Name);
        var path = profile.PathOf(RunLock.FileName);
        await File.WriteAllTextAsync(path, "");
        FileOwnership.Set(path, FileOwnership.DaemonUser, FileOwnership.DaemonGroup);

        var run = (await profile.RunAsync(ca, TimeProvider.System)).Exited(2);

        Assert.Contains($"{path}: the lock file belongs to uid {FileOwnership.DaemonUser}", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(ca.Posts);
    }

    [Fact]
    public async Task A_lock_held_by_another_user_fails_the_run_naming_the_process_and_its_user_and_writes_the_metrics()
    {
        if (!Environment.IsPrivilegedProcess) return;
        using var ca = new ScriptedCa(TimeProvider.System);
        using var profile = await ScriptedProfile.CreateAsync(Name);
        profile.Update(config => config["metrics"] = "concorde.prom");
        // The lock file an older version left readable, and a directory the other user may pass through.
        var path = profile.PathOf(RunLock.FileName);
        await File.WriteAllTextAsync(path, "");
        File.SetUnixFileMode(path, Legacy);
        File.SetUnixFileMode(profile.Directory, (UnixFileMode)Convert.ToInt32("711", 8));
        using var holder = await LockHolderProcess.StartAsync(path, "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "flock", "--shared");

        var run = (await profile.RunAsync(ca, TimeProvider.System)).Exited(1);

        Assert.Contains($"{path} is held by process {holder.Id} of 'nobody' (uid 65534), not by a shaman run", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(Private, File.GetUnixFileMode(path));
        Assert.Empty(ca.Posts);
        var samples = PrometheusText.Samples(await File.ReadAllTextAsync(profile.PathOf("concorde.prom")));
        var labels = $"{{profile=\"{Path.GetFileName(profile.Directory)}\"}}";
        Assert.Equal(1, samples["concorde_run_exit_code" + labels]);
        Assert.True(samples.ContainsKey("concorde_run_lock_blocked_seconds" + labels));
    }

    [Theory]
    [InlineData(0, 75)]
    [InlineData(48, 1)]
    public async Task A_lock_held_is_left_to_its_run_until_no_run_has_taken_it_for_longer_than_a_run_may_take(int hoursSinceTaken, int exit)
    {
        using var ca = new ScriptedCa(TimeProvider.System);
        using var profile = await ScriptedProfile.CreateAsync(Name);
        var path = profile.PathOf(RunLock.FileName);
        await File.WriteAllTextAsync(path, "");
        File.SetUnixFileMode(path, Private);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddHours(-hoursSinceTaken));
        using var holder = await LockHolderProcess.StartAsync(path, "flock");

        var run = (await profile.RunAsync(ca, TimeProvider.System)).Exited(exit);

        Assert.Contains(exit == 75 ? "another shaman is working on" : $"no run has taken {path} since", run.Stderr, StringComparison.Ordinal);
        if (exit == 1) Assert.Contains($"held by process {holder.Id} of 'root' (uid 0)", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(ca.Posts);
    }

    /// <summary>A process that holds a flock on a file (flock(1) running sleep) until disposed.</summary>
    private sealed class LockHolderProcess : IDisposable
    {
        private readonly Process _process;

        private LockHolderProcess(Process process) => _process = process;

        /// <summary>The flock(1) process, whose pid /proc/locks names.</summary>
        public int Id => _process.Id;

        /// <param name="command">flock(1) with its options, perhaps behind a command that changes the user.</param>
        public static async Task<LockHolderProcess> StartAsync(string path, params string[] command)
        {
            var holder = new LockHolderProcess(Process.Start(ChildProcess.Redirected(command[0], [.. command[1..], path, "sleep", "300"]))
                                               ?? throw new InvalidOperationException($"{command[0]} did not start"));
            var file = FileStatus.OfLink(path)!.Value;
            var name = $"{file.DeviceMajor:x2}:{file.DeviceMinor:x2}:{file.Inode}";
            await Eventually.WaitUntilAsync(() => File.ReadLines("/proc/locks").Any(line => line.Contains($" {holder.Id} {name} ", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(10), $"{string.Join(' ', command)} to lock {path}");
            return holder;
        }

        public void Dispose()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            _process.Dispose();
        }
    }
}
