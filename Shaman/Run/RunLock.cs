using System.Globalization;
using System.Runtime.InteropServices;
using Concorde.Acme;
using Concorde.Acme.Files;
using Microsoft.Win32.SafeHandles;

namespace Concorde.Shaman;

/// <summary>An exclusive flock(2) on "&lt;profile&gt;/.shaman.lock" for the whole run, so two cron jobs never
/// work on one profile at once. The kernel drops the lock when the process dies, however it dies. The file's
/// modification time is when a run last took it, so a run that finds it held can tell a run at work from a lock
/// held for longer than any run takes (<see cref="LockDecision"/>).</summary>
public sealed partial class RunLock : IDisposable
{
    public const string FileName = ".shaman.lock";
    /// <summary>flock(2) needs only a read-only descriptor: a lock file others may open lets any of them hold the lock
    /// and stop every renewal.</summary>
    private const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly SafeFileHandle _file;

    private RunLock(SafeFileHandle file) => _file = file;

    /// <summary>The lock, or null when another process holds it; then <paramref name="holder"/> says what /proc
    /// shows of it. A lock file of another user is refused; one readable by others is made 0600.</summary>
    public static RunLock? TryAcquire(string profileDirectory, DateTimeOffset now, out LockHolder? holder)
    {
        var path = Path.Combine(profileDirectory, FileName);
        var fd = Open(path, OpenReadWrite | OpenCreate | OpenCloseOnExec | OpenNoFollow | OpenNonBlocking, (int)Mode);
        if (fd < 0)
            throw new ProfileException($"{path}: cannot open the lock file ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}); " +
                                       "the profile directory must be writable and .shaman.lock a plain file");
        var file = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (FileStatus.Of(fd) is not { IsRegular: true } status)
                throw new ProfileException($"{path}: the lock file is not a plain file; remove it");
            if (status.Owner != 0 && status.Owner != FileStatus.EffectiveUser)
                throw new ProfileException($"{path}: the lock file belongs to uid {status.Owner}, who could hold it and stop every run; remove it");
            if (status.Permissions != Mode) File.SetUnixFileMode(file, Mode);
            if (Flock(file, LockExclusive | LockNonBlocking) == 0)
            {
                File.SetLastWriteTimeUtc(file, now.UtcDateTime);
                holder = null;
                return new RunLock(file);
            }
            var (processId, user) = FindHolder(status);
            holder = new LockHolder(new DateTimeOffset(File.GetLastWriteTimeUtc(file)), processId, user);
            file.Dispose();
            return null;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The process /proc/locks names as holding a flock on <paramref name="file"/>, and its user where /proc
    /// shows it (hidepid, e.g. systemd's ProtectProc=invisible, hides other users' processes).</summary>
    private static (int? ProcessId, uint? User) FindHolder(FileStatus file)
    {
        // "1: FLOCK  ADVISORY  WRITE 4525 fe:00:11724481 0 EOF": device major and minor in hex, then the inode; a
        // process waiting for the lock has "->" after the number and so fails the match.
        var name = string.Create(CultureInfo.InvariantCulture, $"{file.DeviceMajor:x2}:{file.DeviceMinor:x2}:{file.Inode}");
        try
        {
            foreach (var line in File.ReadLines("/proc/locks"))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 6 || fields[1] != "FLOCK" || fields[5] != name
                    || !int.TryParse(fields[4], CultureInfo.InvariantCulture, out var processId) || processId <= 0) continue;
                return (processId, FileStatus.OfLink($"/proc/{processId}")?.Owner);
            }
        }
        catch (Exception e) when (ExpectedFailure.IsFileProblem(e))
        {
        }
        return (null, null);
    }

    public void Dispose() => _file.Dispose();

    private const int OpenReadWrite = 0x2;
    private const int OpenCreate = 0x40;
    /// <summary>A FIFO planted as the lock file must not hang the run.</summary>
    private const int OpenNonBlocking = 0x800;
    private const int OpenCloseOnExec = 0x80000;
    /// <summary>A symlink planted as the lock file must not make shaman create a file elsewhere.</summary>
    private const int OpenNoFollow = 0x20000;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle file, int operation);
}
