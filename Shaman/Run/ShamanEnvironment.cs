namespace Concorde.Shaman;

/// <summary>What `shaman` gets from the process, read by Program.cs (the only place that reads the
/// environment): its output streams, the clock, the version, CONCORDE_CA_BUNDLE and PATH. Tests pass their own.</summary>
public sealed record ShamanEnvironment(TextWriter Out, TextWriter Error, TimeProvider Time, string Version)
{
    /// <summary>CONCORDE_CA_BUNDLE: the CA bundle when shaman.json names none (relative to the profile).</summary>
    public string? CaBundleFromEnvironment { get; init; }
    /// <summary>PATH, where authenticators and hooks named without a slash are looked for.</summary>
    public string? ProgramSearchPath { get; init; }
    /// <summary>Randomness for ARI moments and cron spreading; tests pass a seeded one.</summary>
    public Random Random { get; init; } = Random.Shared;
    /// <summary>"linux-x64, 1a2b3c4": what `--version` adds, so a bug report says what ran; null in tests.</summary>
    public string? Build { get; init; }
    /// <summary>False when stdout is a terminal (a person is watching: no random sleep).</summary>
    public bool OutputIsRedirected { get; init; } = true;
}
