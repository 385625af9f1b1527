namespace Concorde.Cli;

/// <summary>Exit statuses of both `concorde` and `shaman`, documented in --help and the README.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The operation failed: an ACME problem, a network or file error, a domain that failed.</summary>
    public const int Failure = 1;
    /// <summary>Wrong arguments or configuration; nothing was changed.</summary>
    public const int Usage = 2;
    /// <summary>Another shaman holds the profile's lock (sysexits EX_TEMPFAIL).</summary>
    public const int Locked = 75;
    /// <summary>Stopped by SIGINT or SIGTERM (128 + SIGINT).</summary>
    public const int Interrupted = 130;
}
