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
    /// <param name="ceiling">Bits a carried-over mode may have at most: a shaman.json that holds a secret is written
    /// 0600 whatever the file it replaces allowed.</param>
    public static Task WriteAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, bool overwrite, CancellationToken ct,
        UnixFileMode ceiling = (UnixFileMode)0x1FF)
    {
        ct.ThrowIfCancellationRequested();
        Write(path, content.Span, mode, overwrite, ceiling);
        return Task.CompletedTask;
    }

    private static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode, bool overwrite, UnixFileMode ceiling)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? throw new IOException($"{path}: no parent directory");
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var existing = overwrite ? ExistingFile.Of(full, ceiling) : null;
        try
        {
            var options = new FileStreamOptions
            {
                // O_CREAT | O_EXCL: a name planted first, a symlink included, fails the write instead of being followed,
                // which matters in a directory another user can write (a metrics directory).
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
        /// <summary>The file at <paramref name="path"/>, or null when there is none, it is no regular file, it cannot
        /// be examined (then rename(2) most likely fails too, with a better message), or it belongs to another user
        /// than this process's or root: a file someone else planted lends neither its owner nor its mode, so a planted
        /// 0666 file does not make the certificate that replaces it writable by its planter. Write permission for
        /// others is never carried over.</summary>
        public static ExistingFile? Of(string path, UnixFileMode ceiling)
        {
            if (FileStatus.OfLink(path) is not { IsRegular: true } status) return null;
            if (status.Owner != 0 && status.Owner != FileStatus.EffectiveUser) return null;
            return new ExistingFile(status.Permissions & ~UnixFileMode.OtherWrite & ceiling, status.Owner, status.Group);
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
