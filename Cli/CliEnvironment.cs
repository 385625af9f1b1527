namespace Concorde.Cli;

/// <summary>What `concorde` gets from the process, read by Program.cs (the only place that reads the
/// environment): its output streams, the clock, the version and the CONCORDE_CA_BUNDLE and
/// CONCORDE_EAB_HMAC_KEY settings. Tests pass their own.</summary>
public sealed record CliEnvironment(TextWriter Out, TextWriter Error, TimeProvider Time, string Version, string? CaBundleFromEnvironment)
{
    /// <summary>CONCORDE_EAB_HMAC_KEY: the EAB MAC key for `unreg create --eab-kid`, kept off the command line.</summary>
    public string? EabHmacKeyFromEnvironment { get; init; }
}
