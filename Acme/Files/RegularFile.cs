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
    private const int EmptyPath = 0x1000; // AT_EMPTY_PATH: statx of the descriptor itself
    private const uint TypeAndSize = 0x1 | 0x200; // STATX_TYPE | STATX_SIZE
    private const int StatxSize = 256;
    private const int ModeOffset = 28;
    private const int SizeOffset = 40;
    private const int TypeMask = 0xF000;
    private const int Regular = 0x8000;
    private const int Directory = 0x4000;
    private const int NoSuchFile = 2;
    private const int PermissionDenied = 13;

    /// <summary>The whole file. Throws <see cref="FileNotFoundException"/> when it is missing,
    /// <see cref="UnauthorizedAccessException"/> when it may not be read, <see cref="RegularFileException"/> when it is
    /// not a regular file or is larger than <paramref name="maxBytes"/>, and <see cref="IOException"/> otherwise; each
    /// message names the file.</summary>
    public static byte[] ReadAll(string path, long maxBytes)
    {
        var descriptor = Open(path, ReadOnlyNonBlockingNoTty);
        if (descriptor < 0) throw OpenFailure(path, Marshal.GetLastPInvokeError());
        using var handle = new SafeFileHandle(descriptor, ownsHandle: true);
        Span<byte> status = stackalloc byte[StatxSize];
        if (Statx(descriptor, "", EmptyPath, TypeAndSize, ref MemoryMarshal.GetReference(status)) != 0)
            throw new IOException($"{path}: cannot be examined ({Marshal.GetLastPInvokeErrorMessage()})");
        var type = BitConverter.ToUInt16(status[ModeOffset..]) & TypeMask;
        if (type != Regular)
            throw new RegularFileException(path, type == Directory ? "is a directory, not a file" : "is not a regular file (a pipe, socket or device); refused");
        var size = BitConverter.ToInt64(status[SizeOffset..]);
        if (size > maxBytes) throw new RegularFileException(path, $"is {size} bytes, more than such a file can hold ({maxBytes}); refused");
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

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int directory, string path, int flags, uint mask, ref byte status);
}
