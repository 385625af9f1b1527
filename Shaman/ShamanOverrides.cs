namespace Concorde.Shaman;

/// <summary>Settings only tests use, read from the environment by Program.cs: where syslog datagrams go, and
/// after which shaman.json save the process kills itself with SIGKILL (the crash-resume tests).</summary>
public sealed record ShamanOverrides(string? SyslogSocket, int? KillAfterSave)
{
    public static ShamanOverrides None { get; } = new(null, null);

    /// <summary>Replaces <see cref="Concorde.Acme.AcmeClientOptions.RequestTimeout"/> (30 s), so a test of a CA that
    /// hangs needs seconds, not minutes.</summary>
    public TimeSpan? RequestTimeout { get; init; }
}
