using System.Text;

namespace Concorde.Acme.Files;

/// <summary>Reads a small ASCII file (a PEM key or certificate chain, an EAB MAC key) that may be missing,
/// unreadable or not what its name says (<see cref="RegularFile"/>): a wrong path — a disk image, /dev/zero, a
/// pipe — costs nothing.</summary>
public static class SmallTextFile
{
    /// <summary>The file's text; throws as <see cref="RegularFile.ReadAll(string, long)"/> does.</summary>
    public static string Read(string path, long maxBytes) => Encoding.ASCII.GetString(RegularFile.ReadAll(path, maxBytes));

    /// <summary>The file's text, or null when it is missing, unreadable, not a regular file or larger than
    /// <paramref name="maxBytes"/>.</summary>
    public static Task<string?> TryReadAsync(string path, long maxBytes, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            return Task.FromResult<string?>(Read(path, maxBytes));
        }
        catch (Exception e) when (ExpectedFailure.IsFileProblem(e) || e is RegularFileException)
        {
            return Task.FromResult<string?>(null);
        }
    }
}
