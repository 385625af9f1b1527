using System.Text;

namespace Concorde.Acme.Files;

/// <summary>Reads a small ASCII file (a PEM key or certificate chain) that may be missing, unreadable or
/// not what its name says; the size cap keeps a wrong path (a disk image, a log) from being read whole.</summary>
public static class SmallTextFile
{
    /// <summary>The file's text, or null when it is missing, unreadable or larger than <paramref name="maxBytes"/>.</summary>
    public static async Task<string?> TryReadAsync(string path, long maxBytes, CancellationToken ct)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > maxBytes) return null;
            return await File.ReadAllTextAsync(path, Encoding.ASCII, ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
