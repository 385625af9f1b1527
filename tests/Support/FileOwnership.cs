using System.Diagnostics;

namespace Concorde.Tests.Support;

/// <summary>Owner and group of a file, read and set with stat(1) and chown(1) (.NET has no API for either), and
/// the ids of the system's <c>daemon</c> user and group, which a test can give a file to stand for an
/// administrator's <c>root:ssl-cert</c>.</summary>
internal static class FileOwnership
{
    public static (uint Owner, uint Group) Of(string path)
    {
        var fields = Run("stat", "-c", "%u %g", path).Split(' ');
        return (uint.Parse(fields[0]), uint.Parse(fields[1]));
    }

    public static void Set(string path, uint owner, uint group) => Run("chown", $"{owner}:{group}", path);

    /// <summary>The gid of group <c>daemon</c>, from /etc/group.</summary>
    public static uint DaemonGroup => IdOf("/etc/group", "daemon");

    /// <summary>The uid of user <c>daemon</c>, from /etc/passwd.</summary>
    public static uint DaemonUser => IdOf("/etc/passwd", "daemon");

    private static uint IdOf(string database, string name) =>
        File.ReadLines(database).Select(line => line.Split(':')).Where(f => f[0] == name).Select(f => uint.Parse(f[2])).Single();

    private static string Run(string program, params string[] arguments)
    {
        using var process = Process.Start(ChildProcess.Redirected(program, arguments)) ?? throw new InvalidOperationException($"could not start {program}");
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: {stderr.Result}");
        return stdout.Trim();
    }
}
