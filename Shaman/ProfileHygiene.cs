namespace Concorde.Shaman;

/// <summary>Warns about permissions that put the keys at risk. shaman creates keys 0600 itself; these catch
/// files copied in by hand, a permissive umask in an old profile, or a shared directory.</summary>
public static class ProfileHygiene
{
    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                                               | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
    private const UnixFileMode WritableByOthers = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    public static void Check(ProfileDocument document, ProfileSettings settings, ShamanLog log)
    {
        var directory = document.Directory;
        if ((File.GetUnixFileMode(directory) & WritableByOthers) != 0 && (File.GetUnixFileMode(directory) & UnixFileMode.StickyBit) == 0)
            log.Warning($"{directory} is writable by other users, who could replace shaman.json or the keys; fix: chmod go-w {directory}");
        var keyFiles = new List<string?> { document.Get("key") };
        keyFiles.AddRange(settings.Domains.Select(d => document.Get(d.Name, "key")));
        foreach (var keyFile in keyFiles.OfType<string>())
        {
            var path = document.ResolvePath(keyFile);
            if (!File.Exists(path)) continue;
            if ((File.GetUnixFileMode(path) & GroupOrOthers) != 0)
                log.Warning($"private key {path} is readable by other users; fix: chmod 600 {path}");
        }
    }
}
