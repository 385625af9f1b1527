using System.Diagnostics;
using Xunit;

namespace Concorde.Tests.Support;

/// <summary>Files that are not regular files, planted where a regular one is expected.</summary>
internal static class SpecialFiles
{
    /// <summary>Makes a named pipe (mkfifo) at <paramref name="path"/> and returns the path.</summary>
    public static string Fifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path]) ?? throw new InvalidOperationException("mkfifo did not start");
        mkfifo.WaitForExit();
        Assert.True(mkfifo.ExitCode == 0 && File.Exists(path), $"mkfifo {path} failed");
        return path;
    }
}
