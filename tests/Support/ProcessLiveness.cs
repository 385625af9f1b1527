namespace Concorde.Tests.Support;

/// <summary>Whether a process the code under test started has ended.</summary>
public static class ProcessLiveness
{
    /// <summary>No such process, or a zombie nobody has reaped yet (PID 1 of a container may not reap).</summary>
    public static bool IsGone(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return true;
        }
    }
}
