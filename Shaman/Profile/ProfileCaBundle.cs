namespace Concorde.Shaman;

/// <summary>The CA bundle a `shaman` run will trust, found synchronously before the run starts, so the
/// composition root can point OpenSSL's default store at it while the process still has one thread.</summary>
public static class ProfileCaBundle
{
    /// <summary>The full path of shaman.json's "caBundle", else of <paramref name="fromEnvironment"/>, both
    /// relative to the profile directory named in <paramref name="args"/>; null when there is none or the
    /// profile cannot be read or is invalid (the run itself then says why).</summary>
    public static string? Find(IReadOnlyList<string> args, string? fromEnvironment)
    {
        var (options, _) = ShamanOptions.Parse(args);
        if (options is null || options.Help || options.Version) return null;
        var directory = Path.GetFullPath(options.ProfileDirectory);
        try
        {
            // Read as the run reads it, so a file the run refuses is refused here too, not thrown.
            var bundle = ProfileSettings.Parse(ProfileDocument.ReadRoot(directory)).CaBundle ?? fromEnvironment;
            return string.IsNullOrEmpty(bundle) ? null : Path.GetFullPath(Path.Combine(directory, bundle));
        }
        catch (ProfileException)
        {
            return null;
        }
    }
}
