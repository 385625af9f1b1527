using System.Runtime.InteropServices;

namespace Concorde.Acme.Files;

/// <summary>Writes a file so that readers and crashes see either the old content or the whole new one:
/// a temporary file in the same directory, fsync, rename, fsync of the directory.</summary>
public static partial class AtomicFile
{
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode PublicMode = PrivateMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/>. The temporary file is created
    /// with <paramref name="mode"/> already set, so a private key is never readable by others, not even
    /// for a moment. With <paramref name="overwrite"/> false an existing file is never replaced
    /// (<see cref="IOException"/>).</summary>
    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, bool overwrite, CancellationToken ct)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? throw new IOException($"{path}: no parent directory");
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = mode,
            };
            await using (var stream = new FileStream(temporary, options))
            {
                await stream.WriteAsync(content, ct);
                await stream.FlushAsync(ct);
                stream.Flush(flushToDisk: true);
            }
            // Move without overwrite uses link(2), which refuses an existing target atomically.
            File.Move(temporary, full, overwrite);
            SyncDirectory(directory);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>The rename is durable only once the directory entry is on disk.</summary>
    private static void SyncDirectory(string directory)
    {
        var fd = Open(directory, OpenReadOnly | OpenDirectory);
        if (fd < 0) return;
        try { _ = Fsync(fd); }
        finally { _ = Close(fd); }
    }

    private const int OpenReadOnly = 0;
    private const int OpenDirectory = 0x10000;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
