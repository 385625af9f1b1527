using Concorde.Acme;
using Concorde.Acme.Files;

namespace Concorde.Shaman;

/// <summary>Housekeeping at the start of a run, under the lock: warns about permissions that put the keys at
/// risk (shaman creates keys 0600 itself; these catch files copied in by hand, an old umask or a shared
/// directory) and removes temporary files that a killed run left behind.</summary>
public static class ProfileHygiene
{
    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                                               | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
    private const UnixFileMode WritableByOthers = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
    /// <summary>Only files this old are removed: a `concorde` command writing into the directory right now
    /// is not shaman's to interrupt.</summary>
    private static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    public static void Check(ProfileDocument document, ProfileSettings settings, ShamanLog log, DateTimeOffset now)
    {
        WarnAboutPermissions(document, settings, log);
        RemoveStaleTemporaryFiles(document.Directory, log, now);
    }

    /// <summary>The warnings alone, changing nothing: what `--dry-run` prints.</summary>
    public static void WarnAboutPermissions(ProfileDocument document, ProfileSettings settings, ShamanLog log)
    {
        var directory = document.Directory;
        var mode = File.GetUnixFileMode(directory);
        if ((mode & WritableByOthers) != 0 && (mode & UnixFileMode.StickyBit) == 0)
            log.Warning($"{directory} is writable by other users, who could replace shaman.json or the keys; fix: chmod go-w {directory}");
        var state = new ProfileState(document);
        var keyFiles = new List<string?> { state.KeyFile };
        keyFiles.AddRange(settings.Domains.Select(d => state.Domain(d.Name).KeyFile));
        foreach (var keyFile in keyFiles.OfType<string>())
        {
            var path = document.ResolvePath(keyFile);
            try
            {
                if (File.Exists(path) && (File.GetUnixFileMode(path) & GroupOrOthers) != 0)
                    log.Warning($"private key {path} is readable by other users; fix: chmod 600 {path}");
            }
            catch (Exception e) when (ExpectedFailure.IsFileProblem(e))
            {
                // An unreadable key is its domain's error, reported when the domain needs it.
            }
        }
    }

    private static void RemoveStaleTemporaryFiles(string directory, ShamanLog log, DateTimeOffset now)
    {
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles(".*.tmp"))
        {
            if (!AtomicFile.IsTemporaryName(file.Name) || now - file.LastWriteTimeUtc < StaleAfter) continue;
            try
            {
                file.Delete();
                log.Info($"removed {file.Name}, left by an interrupted run");
            }
            catch (Exception e) when (ExpectedFailure.IsFileProblem(e))
            {
                log.Warning($"cannot remove {file.FullName} ({e.Message})");
            }
        }
    }
}
