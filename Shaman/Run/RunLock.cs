using System.Runtime.InteropServices;

namespace Concorde.Shaman;

/// <summary>An exclusive flock(2) on "&lt;profile&gt;/.shaman.lock" for the whole run, so two cron jobs never
/// work on one profile at once. The kernel drops the lock when the process dies, however it dies.</summary>
public sealed partial class RunLock : IDisposable
{
    public const string FileName = ".shaman.lock";

    private int _fd;

    private RunLock(int fd) => _fd = fd;

    /// <summary>The lock, or null when another process holds it.</summary>
    public static RunLock? TryAcquire(string profileDirectory)
    {
        var path = Path.Combine(profileDirectory, FileName);
        var fd = Open(path, OpenReadWrite | OpenCreate | OpenCloseOnExec | OpenNoFollow, 0b110_100_100);
        if (fd < 0)
            throw new ProfileException($"{path}: cannot open the lock file ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}); " +
                                       "the profile directory must be writable and .shaman.lock a plain file");
        if (Flock(fd, LockExclusive | LockNonBlocking) == 0) return new RunLock(fd);
        _ = Close(fd);
        return null;
    }

    public void Dispose()
    {
        if (_fd < 0) return;
        _ = Close(_fd);
        _fd = -1;
    }

    private const int OpenReadWrite = 0x2;
    private const int OpenCreate = 0x40;
    private const int OpenCloseOnExec = 0x80000;
    /// <summary>A symlink planted as the lock file must not make shaman create a file elsewhere.</summary>
    private const int OpenNoFollow = 0x20000;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
