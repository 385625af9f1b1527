using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>A running shaman holds private keys in memory: whatever core-file limit it is started with, it lowers
/// its own to zero before anything else, so a crash cannot write the keys into a core file.</summary>
public sealed class CoreDumpTests
{
    [Fact]
    public async Task Shaman_started_with_unlimited_core_files_runs_with_none()
    {
        using var directory = new TempDirectory("concorde-core-");
        await File.WriteAllTextAsync(directory.Combine("shaman.json"),
            """{"server": "https://127.0.0.1:9/dir", "authenticators": {}, "domains": {"core.example.com": {}}}""");
        // The random sleep comes first and keeps the process alive without any network.
        using var shaman = ShamanProcess.Start(["--random-sleep", "86400", directory.Path], wrapper: ["prlimit", "--core=unlimited:unlimited", "--"]);
        try
        {
            var limits = $"/proc/{shaman.ProcessId}/limits";
            await Eventually.WaitUntilAsync(() => CoreLimit(limits) == "0 0", TimeSpan.FromSeconds(10),
                "shaman's core file size limit to drop to 0");
        }
        finally
        {
            shaman.Kill();
        }
    }

    /// <summary>The soft and hard "Max core file size" of a process, or null once it is gone.</summary>
    private static string? CoreLimit(string limitsFile)
    {
        try
        {
            var line = File.ReadLines(limitsFile).FirstOrDefault(l => l.StartsWith("Max core file size", StringComparison.Ordinal));
            var fields = line?["Max core file size".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields is { Length: >= 2 } ? $"{fields[0]} {fields[1]}" : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
