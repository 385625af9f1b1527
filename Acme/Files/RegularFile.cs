using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Concorde.Acme.Files;

/// <summary>Reads a file that must be a small regular file — a key, a certificate, a CA bundle, shaman.json — the
/// safe way for a process running as root: opened without blocking (a FIFO planted in its place cannot hang the
/// run), checked on the open descriptor (no window between check and read) to be a regular file no larger than the
/// cap (a link to /dev/zero or a disk image is refused, not read until memory runs out).</summary>
public static partial class RegularFile
{
    private const int ReadOnlyNonBlockingNoTty = 0x800 | 0x100 | 0x80000; // O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC
    private const int NoSuchFile = 2;
    private const int PermissionDenied = 13;

    /// <summary>The whole file. Throws <see cref="FileNotFoundException"/> when it is missing,
    /// <see cref="UnauthorizedAccessException"/> when it may not be read, <see cref="RegularFileException"/> when it is
    /// not a regular file or is larger than <paramref name="maxBytes"/>, and <see cref="IOException"/> otherwise; each
    /// message names the file.</summary>
    public static byte[] ReadAll(string path, long maxBytes) => ReadAll(path, maxBytes, out _);

    /// <inheritdoc cref="ReadAll(string, long)"/>
    /// <param name="status">What the open descriptor was (owner, mode): the file read, not whatever the path names later.</param>
    public static byte[] ReadAll(string path, long maxBytes, out FileStatus status)
    {
        var descriptor = Open(path, ReadOnlyNonBlockingNoTty);
        if (descriptor < 0) throw OpenFailure(path, Marshal.GetLastPInvokeError());
        using var handle = new SafeFileHandle(descriptor, ownsHandle: true);
        status = FileStatus.Of(descriptor)
            ?? throw new IOException($"{path}: cannot be examined ({Marshal.GetLastPInvokeErrorMessage()})");
        if (!status.IsRegular)
            throw new RegularFileException(path, status.IsDirectory ? "is a directory, not a file" : "is not a regular file (a pipe, socket or device); refused");
        var size = status.Size;
        if (size > maxBytes) throw new RegularFileException(path, $"is {size} bytes, too large for such a file (at most {maxBytes}); refused");
        // One byte more than the file claims shows a file that grew in between.
        var buffer = new byte[size + 1];
        var read = 0;
        while (read < buffer.Length)
        {
            var count = RandomAccess.Read(handle, buffer.AsSpan(read), read);
            if (count == 0) break;
            read += count;
        }
        if (read > size) throw new RegularFileException(path, "grew while it was read; refused");
        return buffer[..read];
    }

    private static Exception OpenFailure(string path, int errno) => errno switch
    {
        NoSuchFile => new FileNotFoundException($"{path}: no such file", path),
        PermissionDenied => new UnauthorizedAccessException($"{path}: permission denied"),
        _ => new IOException($"{path}: cannot be opened ({Marshal.GetPInvokeErrorMessage(errno)})"),
    };

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);
}
