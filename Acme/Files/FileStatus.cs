using System.Runtime.InteropServices;

namespace Concorde.Acme.Files;

/// <summary>What statx(2) says of a file: type, permission bits, sticky bit, owner, group and size. struct statx, unlike
/// struct stat, has the same layout on every architecture.</summary>
public readonly partial record struct FileStatus(UnixFileMode Permissions, bool IsRegular, bool IsDirectory, uint Owner, uint Group, long Size)
{
    public bool IsSymbolicLink { get; init; }
    /// <summary>The sticky bit: in a directory, only an entry's owner (or the directory's) may remove or rename it.</summary>
    public bool IsSticky { get; init; }
    /// <summary>Inode number and device (major, minor): how /proc/locks names the file a lock is on.</summary>
    public ulong Inode { get; init; }
    public uint DeviceMajor { get; init; }
    public uint DeviceMinor { get; init; }

    private const int CurrentDirectory = -100;
    private const int DoNotFollowSymlink = 0x100;
    private const int EmptyPath = 0x1000;
    /// <summary>STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID | STATX_INO | STATX_SIZE.</summary>
    private const uint Fields = 0x1 | 0x2 | 0x8 | 0x10 | 0x100 | 0x200;
    private const ushort TypeMask = 0xF000;
    private const ushort Regular = 0x8000;
    private const ushort Directory = 0x4000;
    private const ushort SymbolicLink = 0xA000;
    private const ushort Sticky = 0x200;
    /// <summary>Permission bits only: never set-id or sticky.</summary>
    private const UnixFileMode PermissionBits = (UnixFileMode)0x1FF;

    /// <summary>The file at <paramref name="path"/> itself (a symlink is not followed), or null when it cannot be examined.</summary>
    public static FileStatus? OfLink(string path) =>
        Native.StatusX(CurrentDirectory, path, DoNotFollowSymlink, Fields, out var status) == 0 ? From(status) : null;

    /// <summary>The open file <paramref name="descriptor"/>, or null with errno set.</summary>
    public static FileStatus? Of(int descriptor) =>
        Native.StatusX(descriptor, "", EmptyPath, Fields, out var status) == 0 ? From(status) : null;

    /// <summary>The user this process acts as (geteuid).</summary>
    public static uint EffectiveUser => Native.GetEffectiveUser();

    private static FileStatus? From(Native.StatusBuffer status)
    {
        if ((status.Mask & Fields) != Fields) return null;
        var type = status.Mode & TypeMask;
        return new FileStatus((UnixFileMode)status.Mode & PermissionBits, type == Regular, type == Directory, status.Owner, status.Group, (long)status.Size)
        {
            IsSymbolicLink = type == SymbolicLink,
            IsSticky = (status.Mode & Sticky) != 0,
            Inode = status.Inode,
            DeviceMajor = status.DeviceMajor,
            DeviceMinor = status.DeviceMinor,
        };
    }

    private static partial class Native
    {
        [StructLayout(LayoutKind.Sequential, Size = 256)]
        public struct StatusBuffer
        {
            public uint Mask;
            public uint BlockSize;
            public ulong Attributes;
            public uint Links;
            public uint Owner;
            public uint Group;
            public ushort Mode;
            public ushort Spare;
            public ulong Inode;
            public ulong Size;
            public ulong Blocks;
            public ulong AttributesMask;
            public Timestamp AccessTime;
            public Timestamp BirthTime;
            public Timestamp ChangeTime;
            public Timestamp ModifyTime;
            public uint SpecialMajor;
            public uint SpecialMinor;
            public uint DeviceMajor;
            public uint DeviceMinor;
        }

        [StructLayout(LayoutKind.Sequential)]
        public struct Timestamp
        {
            public long Seconds;
            public uint Nanoseconds;
            public int Reserved;
        }

        [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        public static partial int StatusX(int directory, string path, int flags, uint mask, out StatusBuffer status);

        [LibraryImport("libc", EntryPoint = "geteuid")]
        public static partial uint GetEffectiveUser();
    }
}
