using System.Runtime.InteropServices;

namespace Concorde.Acme.Files;

/// <summary>Writes a file so that readers and crashes see either the old content or the whole new one:
/// a temporary file in the same directory, fsync, rename, fsync of the directory.</summary>
public static partial class AtomicFile
{
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode PublicMode = PrivateMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Whether <paramref name="fileName"/> is one of the temporary names this class writes, which a
    /// crash may leave behind.</summary>
    public static bool IsTemporaryName(string fileName) =>
        fileName.StartsWith('.') && fileName.EndsWith(".tmp", StringComparison.Ordinal) && fileName.Length > 38
        && fileName[^37] == '.' && fileName[^36..^4].All(char.IsAsciiHexDigitLower);

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/>. The temporary file is created
    /// with <paramref name="mode"/> already set, so a private key is never readable by others, not even
    /// for a moment. With <paramref name="overwrite"/> false an existing file is never replaced
    /// (<see cref="IOException"/>).</summary>
    /// <remarks>Synchronous inside: Linux has no asynchronous file writes, .NET would run them on the thread
    /// pool anyway, and for a few kilobytes plus fsync the hand-offs cost more than the write.</remarks>
    public static Task WriteAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, bool overwrite, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Write(path, content.Span, mode, overwrite);
        return Task.CompletedTask;
    }

    private static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode, bool overwrite)
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
                BufferSize = 0,
            };
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            if (overwrite) File.Move(temporary, full, overwrite: true);
            else PlaceWithoutReplacing(temporary, full);
            SyncDirectory(directory);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>link(2) refuses an existing target in the same step that creates the name, so a file that
    /// appeared meanwhile is never replaced (rename(2) would replace it). File systems without hard links fall
    /// back to a check and a rename.</summary>
    private static void PlaceWithoutReplacing(string temporary, string target)
    {
        if (Link(temporary, target) == 0)
        {
            File.Delete(temporary);
            return;
        }
        if (Marshal.GetLastPInvokeError() == AlreadyExists)
            throw new IOException($"{target}: already exists");
        File.Move(temporary, target, overwrite: false);
    }

    private const int AlreadyExists = 17;

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string created);

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
