using Xunit;

namespace Concorde.Tests.Support;

/// <summary>How shaman refuses a profile it will not work on.</summary>
internal static class ShamanRefusal
{
    /// <summary>Writes <paramref name="shamanJson"/> into a profile inside a <see cref="Sandbox"/> (with an
    /// authenticator beside it), runs shaman and checks the refusal: exit 2, nothing on stdout, one line on stderr
    /// containing every word of <paramref name="says"/>, and the whole sandbox exactly as before. Returns stderr.</summary>
    public static async Task<string> AssertRefusedAsync(string label, byte[] shamanJson, string[] says)
    {
        using var sandbox = new Sandbox();
        var profile = Directory.CreateDirectory(Path.Combine(sandbox.Nest, "profile")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(profile, "shaman.json"), shamanJson);
        var authenticator = Path.Combine(profile, "auth.sh");
        await File.WriteAllTextAsync(authenticator, "#!/bin/sh\ntouch ../../outside/authenticator-ran\n");
        File.SetUnixFileMode(authenticator, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Old enough that a rewrite within the same clock tick would still show.
        foreach (var path in Directory.EnumerateFileSystemEntries(sandbox.Root, "*", SearchOption.AllDirectories).Append(sandbox.Root))
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddDays(-1));
        var before = DirectorySnapshot.Take(sandbox.Root);

        var run = await ShamanProcess.RunAsync([profile]);

        Assert.True(run.ExitCode == 2, $"{label}: expected exit status 2{Environment.NewLine}{run}");
        AssertOneLine(run, says);
        DirectorySnapshot.AssertUnchanged(before, DirectorySnapshot.Take(sandbox.Root), label);
        return run.Stderr;
    }

    /// <summary>Exit status aside, a refusal as an administrator sees it: nothing on stdout and one line
    /// "shaman: …" on stderr containing every word of <paramref name="says"/>, no stack trace.</summary>
    public static void AssertOneLine(ShamanRun run, string[] says)
    {
        Assert.DoesNotContain("Unhandled exception", run.Stderr, StringComparison.Ordinal);
        // Advice for programmers that a profile's author cannot follow.
        Assert.DoesNotContain("reader options", run.Stderr, StringComparison.Ordinal);
        Assert.True(run.Stdout.Length == 0, $"nothing belongs on stdout:{Environment.NewLine}{run}");
        var line = run.Stderr.TrimEnd('\n');
        Assert.True(line.StartsWith("shaman: ", StringComparison.Ordinal) && !line.Contains('\n'),
            $"expected one line \"shaman: …\" on stderr:{Environment.NewLine}{run}");
        foreach (var word in says)
            Assert.True(line.Contains(word, StringComparison.Ordinal), $"the message should contain {word}:{Environment.NewLine}{run}");
    }
}
