namespace Concorde.Cli;

/// <summary>Exit statuses of `concorde`, documented in --help and the README.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The operation failed: an ACME problem, a network or file error.</summary>
    public const int Failure = 1;
    /// <summary>Wrong arguments; nothing was changed.</summary>
    public const int Usage = 2;
    /// <summary>Stopped by SIGINT or SIGTERM (128 + SIGINT).</summary>
    public const int Interrupted = 130;
}
