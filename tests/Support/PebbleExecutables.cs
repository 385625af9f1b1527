namespace Concorde.Tests.Support;

/// <summary>Where the Pebble programs are installed.</summary>
internal static class PebbleExecutables
{
    /// <summary>Message of the exception thrown when the pebble binary cannot be found.</summary>
    public const string PebbleNotInstalledMessage = "pebble is not installed: apt-get install -y pebble";

    /// <summary>Message of the exception thrown when the pebble-challtestsrv binary cannot be found.</summary>
    public const string ChallengeServerNotInstalledMessage =
        "pebble-challtestsrv is not installed: apt-get install -y pebble-challtestsrv";

    /// <summary>pebble and pebble-challtestsrv on <paramref name="searchPath"/> (a PATH value); throws
    /// <see cref="InvalidOperationException"/> saying how to install the one missing.</summary>
    public static (string Pebble, string ChallengeServer) Locate(string? searchPath)
    {
        var pebblePath = FindOnPath("pebble", searchPath)
            ?? throw new InvalidOperationException(PebbleNotInstalledMessage);
        var challengeServerPath = FindOnPath("pebble-challtestsrv", searchPath)
            ?? throw new InvalidOperationException(ChallengeServerNotInstalledMessage);
        return (pebblePath, challengeServerPath);
    }

    private static string? FindOnPath(string name, string? searchPath)
    {
        if (string.IsNullOrEmpty(searchPath))
        {
            return null;
        }

        foreach (var directory in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate) &&
                (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
            {
                return candidate;
            }
        }

        return null;
    }
}
