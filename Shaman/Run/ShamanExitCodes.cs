namespace Concorde.Shaman;

/// <summary>Exit statuses of `shaman`, documented in its --help and the README. 0, 1, 2 and 130 mean what they
/// mean for `concorde`; 75 is shaman's own.</summary>
public static class ShamanExitCodes
{
    public const int Success = 0;
    /// <summary>At least one domain failed or is backing off, or the profile could not be worked on.</summary>
    public const int Failure = 1;
    /// <summary>Wrong arguments or configuration; nothing was changed.</summary>
    public const int Usage = 2;
    /// <summary>Another shaman holds the profile's lock (sysexits EX_TEMPFAIL).</summary>
    public const int Locked = 75;
    /// <summary>Stopped by SIGINT or SIGTERM (128 + SIGINT).</summary>
    public const int Interrupted = 130;
}
