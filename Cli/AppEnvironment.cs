namespace Concorde.Cli;

/// <summary>What a command gets from the process: its output streams, the clock, the version and the
/// CONCORDE_CA_BUNDLE setting. Tests pass their own.</summary>
public sealed record AppEnvironment(TextWriter Out, TextWriter Error, TimeProvider Time, string Version, string? CaBundleFromEnvironment);
