using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Concorde.Acme.Files;

/// <summary>Writes a file so that readers and crashes see either the old content or the whole new one:
/// a temporary file in the same directory, fsync, rename, fsync of the directory. A file it replaces lends
/// the new one its mode, owner and group, because rename(2) would otherwise drop what an administrator set.</summary>
public static partial class AtomicFile
{
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode PublicMode = PrivateMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Whether <paramref name="fileName"/> is one of the temporary names this class writes, which a
    /// crash may leave behind.</summary>
    public static bool IsTemporaryName(string fileName) =>
        fileName.StartsWith('.') && fileName.EndsWith(".tmp", StringComparison.Ordinal) && fileName.Length > 38
        && fileName[^37] == '.' && fileName[^36..^4].All(char.IsAsciiHexDigitLower);

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/>. A new file gets
    /// <paramref name="mode"/>; the temporary file is created with it already set, so a private key is never
    /// readable by others, not even for a moment. With <paramref name="overwrite"/> false an existing file is
    /// never replaced (<see cref="IOException"/>). With <paramref name="overwrite"/> true an existing regular
    /// file's permission bits, owner and group carry over to its replacement (see <see cref="ExistingFile"/>):
    /// an administrator's 0600 on a shaman.json holding an EAB key, or 0640 root:ssl-cert on a certificate,
    /// must survive a rewrite, and a fixed mode would silently widen the one and break the other.</summary>
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
        var existing = overwrite ? ExistingFile.Of(full) : null;
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                // The existing mode from the first byte; umask may make it stricter until ApplyTo sets it exactly.
                UnixCreateMode = existing?.Mode ?? mode,
                BufferSize = 0,
            };
            using (var stream = new FileStream(temporary, options))
            {
                existing?.ApplyTo(stream.SafeFileHandle);
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

    /// <summary>Permission bits, owner and group of the regular file a rewrite replaces. A symlink is not
    /// followed: rename(2) replaces the link itself, so the file it points to (perhaps outside the profile)
    /// lends nothing, and the replacement gets the default mode like any new file.</summary>
    private sealed record ExistingFile(UnixFileMode Mode, uint Owner, uint Group)
    {
        /// <summary>Only the permission bits: a rewritten file is data, never set-id or sticky.</summary>
        private const UnixFileMode PermissionBits = (UnixFileMode)0x1FF;
        private const ushort FileTypeMask = 0xF000;
        private const ushort RegularFile = 0x8000;

        /// <summary>The file at <paramref name="path"/>, or null when there is none, it is no regular file or it
        /// cannot be examined (then rename(2) most likely fails too, with a better message).</summary>
        public static ExistingFile? Of(string path)
        {
            if (StatusX(CurrentDirectory, path, DoNotFollowSymlink, StatusFields, out var status) != 0) return null;
            if ((status.Mask & StatusFields) != StatusFields || (status.Mode & FileTypeMask) != RegularFile) return null;
            return new ExistingFile((UnixFileMode)status.Mode & PermissionBits, status.Owner, status.Group);
        }

        /// <summary>Gives the new file this owner and group where the process may (root may always; anyone may
        /// set a group they belong to on their own file), then exactly this mode. A refused chown is no error:
        /// the mode is what protects the content. chown comes first because it may clear mode bits.</summary>
        public void ApplyTo(SafeFileHandle file)
        {
            if (ChangeOwner(file, Owner, Group) != 0) _ = ChangeOwner(file, Unchanged, Group);
            File.SetUnixFileMode(file, Mode);
        }

        private const uint Unchanged = uint.MaxValue;
    }

    private const int CurrentDirectory = -100;
    private const int DoNotFollowSymlink = 0x100;
    /// <summary>STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID.</summary>
    private const uint StatusFields = 0x1 | 0x2 | 0x8 | 0x10;

    /// <summary>The head of struct statx, whose layout (unlike struct stat's) is the same on every
    /// architecture; the kernel fills 256 bytes.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct StatusBuffer
    {
        public uint Mask;
        public uint BlockSize;
        public ulong Attributes;
        public uint Links;
        public uint Owner;
        public uint Group;
        public ushort Mode;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatusX(int directory, string path, int flags, uint mask, out StatusBuffer status);

    [LibraryImport("libc", EntryPoint = "fchown")]
    private static partial int ChangeOwner(SafeFileHandle file, uint owner, uint group);

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
