namespace Concorde.Shaman;

/// <summary>The CA's suggested renewal window (RFC 9773 §4.2) and the moment chosen in it.</summary>
public sealed record AriSchedule(DateTimeOffset WindowStart, DateTimeOffset WindowEnd, DateTimeOffset RenewAt)
{
    /// <summary>§4.2: "select a uniform random time within the suggested window". The same window keeps the
    /// moment already chosen, so reruns agree; a changed window gets a new one.</summary>
    public static AriSchedule Choose(DateTimeOffset start, DateTimeOffset end, AriSchedule? previous, Random random)
    {
        if (previous is not null && previous.WindowStart == start && previous.WindowEnd == end) return previous;
        var span = end - start;
        return new AriSchedule(start, end, start + span * random.NextDouble());
    }
}
