using System.Text.Json.Nodes;
using Concorde.Acme.Problems;

namespace Concorde.Shaman;

/// <summary>A failure record: attempts that failed in a row, when the last one failed and why, and when the CA asked to
/// be asked again (Retry-After). A domain keeps one, and so does the profile for failures that are not one domain's.</summary>
public sealed record FailureRecord(int Failures, DateTimeOffset? LastFailure, string? LastError, DateTimeOffset? RetryAfter)
{
    public static readonly FailureRecord None = new(0, null, null, null);

    /// <summary>Until when the next attempt waits (<see cref="FailureBackoff"/>); null when nothing failed.</summary>
    public DateTimeOffset? BackoffUntil => Failures > 0 && LastFailure is { } last ? FailureBackoff.NextAttempt(Failures, last, RetryAfter) : null;

    /// <summary>Whether an attempt now would wait for the backoff.</summary>
    public bool HoldsBack(DateTimeOffset now) => BackoffUntil is { } until && until > now;
}

/// <summary>Where a <see cref="FailureRecord"/> lives in shaman.json: "failures", "lastFailure", "lastError" and
/// "retryAfter" in a domain's object, and the same names behind "run" at the top ("runFailures", …). The only code that
/// knows them.</summary>
public sealed class FailureFields
{
    public static readonly FailureFields Domain = new("");
    public static readonly FailureFields Run = new("run");

    private readonly string _failures;
    private readonly string _lastFailure;
    private readonly string _lastError;
    private readonly string _retryAfter;

    private FailureFields(string prefix)
    {
        string Name(string field) => prefix.Length == 0 ? field : prefix + char.ToUpperInvariant(field[0]) + field[1..];
        (_failures, _lastFailure, _lastError, _retryAfter) = (Name("failures"), Name("lastFailure"), Name("lastError"), Name("retryAfter"));
        Names = [_failures, _lastFailure, _lastError, _retryAfter];
    }

    public IReadOnlyList<string> Names { get; }

    /// <summary>Refuses fields of the wrong type before anything runs.</summary>
    internal void Validate(JsonObject obj, string where = "")
    {
        foreach (var field in new[] { _lastFailure, _lastError, _retryAfter }) JsonFields.OptionalString(obj, field, where);
        JsonFields.OptionalNumber(obj, _failures, "a count", 0, where: where);
    }

    /// <param name="get">The field's node in the object that holds the record.</param>
    public FailureRecord Read(Func<string, JsonNode?> get) => new(
        ReadCount(get(_failures)), ParseTime(Text(get(_lastFailure))), Text(get(_lastError)), ParseTime(Text(get(_retryAfter))));

    /// <summary>One more failure, with its message and the CA's Retry-After, if any. The message is escaped and cut to
    /// <see cref="ServerText.MaxMessageLength"/>: a CA's answer of megabytes must not grow shaman.json past what shaman
    /// reads back.</summary>
    public void Record(JsonObject obj, FailureRecord current, string error, DateTimeOffset now, DateTimeOffset? caRetryAt)
    {
        obj[_failures] = current.Failures + 1;
        obj[_lastFailure] = FormatTime(now);
        obj[_lastError] = ServerText.Line(error);
        if (caRetryAt is { } retryAt) obj[_retryAfter] = FormatTime(retryAt);
        else obj.Remove(_retryAfter);
    }

    public void Clear(JsonObject obj)
    {
        foreach (var field in Names) obj.Remove(field);
    }

    /// <summary>Whether any of the fields is there, so that a clear that would change nothing writes nothing.</summary>
    public bool IsRecorded(Func<string, JsonNode?> get) => Names.Any(field => get(field) is not null);

    /// <summary>A count as read from the file (a double) or as set in this run (an int: a JsonValue answers only
    /// for the type it holds); anything else counts as 0.</summary>
    internal static int ReadCount(JsonNode? node)
    {
        if (node is not JsonValue value) return 0;
        double count;
        if (value.TryGetValue<double>(out var number)) count = number;
        else if (value.TryGetValue<int>(out var whole)) count = whole;
        else return 0;
        return (int)Math.Clamp(count, 0, int.MaxValue);
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static DateTimeOffset? ParseTime(string? text) => DomainState.ParseTime(text);

    private static string FormatTime(DateTimeOffset time) => DomainState.FormatTime(time);
}
