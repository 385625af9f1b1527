using System.Net.Http.Headers;

namespace Concorde.Acme.Http;

/// <summary>Retry-After (RFC 9110 §10.2.3): delta-seconds or an HTTP-date.</summary>
public static class RetryAfter
{
    public static TimeSpan? From(HttpResponseHeaders headers, DateTimeOffset now) => From(headers.RetryAfter, now);

    public static TimeSpan? From(RetryConditionHeaderValue? value, DateTimeOffset now)
    {
        if (value?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (value?.Date is { } date) return date <= now ? TimeSpan.Zero : date - now;
        return null;
    }

    /// <summary>Parses the raw header text, for callers that have only the string.</summary>
    public static TimeSpan? Parse(string? text, DateTimeOffset now) =>
        RetryConditionHeaderValue.TryParse(text, out var value) ? From(value, now) : null;
}
