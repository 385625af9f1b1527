namespace Concorde.Cli;

/// <summary>What `concorde` gets from the process, read by Program.cs (the only place that reads the
/// environment): its output streams, the clock, the version and the CONCORDE_CA_BUNDLE and
/// CONCORDE_EAB_HMAC_KEY settings. Tests pass their own.</summary>
public sealed record CliEnvironment(TextWriter Out, TextWriter Error, TimeProvider Time, string Version, string? CaBundleFromEnvironment)
{
    /// <summary>CONCORDE_EAB_HMAC_KEY: the EAB MAC key for `unreg create --eab-kid`, kept off the command line.</summary>
    public string? EabHmacKeyFromEnvironment { get; init; }

    /// <summary>What the binary was built for and from, e.g. "linux-arm64, 1a2b3c4": `--version` names it after the
    /// version (not in the User-Agent, whose version is one token), so that a bug report says what ran.</summary>
    public string? Build { get; init; }
}
