namespace Concorde.Cli;

/// <summary>What a command gets from the process: its output streams, the clock, the version and the
/// CONCORDE_CA_BUNDLE and CONCORDE_EAB_HMAC_KEY settings. Tests pass their own.</summary>
public sealed record AppEnvironment(TextWriter Out, TextWriter Error, TimeProvider Time, string Version, string? CaBundleFromEnvironment)
{
    /// <summary>Randomness for ARI moments and cron spreading; tests pass a seeded one.</summary>
    public Random Random { get; init; } = Random.Shared;
    /// <summary>False when stdout is a terminal (a person is watching: no random sleep).</summary>
    public bool OutputIsRedirected { get; init; } = true;
    /// <summary>CONCORDE_EAB_HMAC_KEY: the EAB MAC key for `unreg create --eab-kid`, kept off the command line.</summary>
    public string? EabHmacKeyFromEnvironment { get; init; }
}
