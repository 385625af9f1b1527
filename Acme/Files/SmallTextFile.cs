using System.Text;

namespace Concorde.Acme.Files;

/// <summary>Reads a small ASCII file (a PEM key or certificate chain, an EAB MAC key) that may be missing,
/// unreadable or not what its name says. At most the cap plus one byte is ever read, so a wrong path — a disk
/// image, /dev/zero — costs nothing.</summary>
public static class SmallTextFile
{
    /// <summary>The file's text, or null when it is missing, unreadable or larger than <paramref name="maxBytes"/>.</summary>
    public static async Task<string?> TryReadAsync(string path, long maxBytes, CancellationToken ct)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > maxBytes) return null;
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            // Sized by the file's length (a device or pipe reports 0), grown up to the cap plus one byte.
            var buffer = new byte[Math.Min(maxBytes, Math.Max(info.Length, 4096)) + 1];
            var read = 0;
            while (true)
            {
                if (read == buffer.Length)
                {
                    if (read > maxBytes) return null;
                    Array.Resize(ref buffer, (int)Math.Min(maxBytes + 1, 2L * buffer.Length));
                }
                var count = await stream.ReadAsync(buffer.AsMemory(read), ct);
                if (count == 0) break;
                read += count;
            }
            return read > maxBytes ? null : Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
