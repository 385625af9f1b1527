namespace Concorde.Shaman;

/// <summary>What shaman last learnt from the CA's renewal information (RFC 9773): the schedule (null when the CA
/// offers none) and when to ask again.</summary>
public sealed record RenewalInfoRecord(AriSchedule? Schedule, DateTimeOffset CheckAfter);

/// <summary>When to ask the CA for renewal information (RFC 9773) again. Pure.</summary>
public static class AriRecheck
{
    /// <summary>When the CA did not say (§4.3 leaves it to the client): a few times a day keeps up with a window the CA
    /// moves, e.g. after an incident.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromHours(6);
    public static readonly TimeSpan AfterError = TimeSpan.FromHours(1);
    /// <summary>A CA without ARI (or a certificate without an ARI identifier) is asked again daily: the CA may start
    /// offering it, and until then later runs decide from the files alone.</summary>
    public static readonly TimeSpan WithoutAri = TimeSpan.FromDays(1);
    /// <summary>§4.3.2: "Clients SHOULD set reasonable limits on their checking interval. For example, ... values over
    /// one day could be treated as if they were one day."</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(1);

    /// <summary>The interval after an answer that came with <paramref name="retryAfter"/> (or without one).</summary>
    public static TimeSpan After(TimeSpan? retryAfter) =>
        retryAfter is { } wait && wait > TimeSpan.FromMinutes(1) ? (wait < Longest ? wait : Longest) : Default;

    /// <summary>Due when the recorded time to ask again has passed, and once for a certificate nobody asked about (one the
    /// Python tool issued), so a renewal the CA announces early — e.g. before a mass revocation — is not missed until the
    /// fallback rule renews. §4.2 asks clients not to query for expired certificates; there is nothing to ask.</summary>
    public static bool IsDue(RenewalInfoRecord? recorded, DateTimeOffset notAfter, DateTimeOffset now) =>
        notAfter > now && (recorded is null || now >= recorded.CheckAfter);
}
