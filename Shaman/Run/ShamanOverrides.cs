namespace Concorde.Shaman;

/// <summary>Settings only tests use, read from the environment by Program.cs: where syslog datagrams go.</summary>
public sealed record ShamanOverrides(string? SyslogSocket)
{
    public static ShamanOverrides None { get; } = new(SyslogSocket: null);

    /// <summary>Replaces <see cref="Concorde.Acme.AcmeClientOptions.RequestTimeout"/> (30 s), so a test of a CA that
    /// hangs needs seconds, not minutes.</summary>
    public TimeSpan? RequestTimeout { get; init; }
}
