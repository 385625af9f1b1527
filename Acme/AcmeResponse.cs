using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;

namespace Concorde.Acme;

/// <summary>One fully read HTTP response.</summary>
internal sealed record AcmeResponse(Uri Url, HttpStatusCode Status, HttpResponseHeaders Headers, string? MediaType,
    byte[] Body, TimeSpan? RetryAfter)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    public Uri? Location => Headers.Location is { } location ? new Uri(Url, location) : null;

    public T Deserialize<T>(JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(Body, type)
                   ?? throw new AcmeProtocolException($"{Url} answered JSON null where an object was expected");
        }
        catch (JsonException e)
        {
            throw new AcmeProtocolException($"{Url} answered malformed JSON ({e.Message})", e);
        }
    }

    public JsonElement Json()
    {
        try
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new AcmeProtocolException($"{Url} answered malformed JSON ({e.Message})", e);
        }
    }

    public AcmeResource<T> ToResource<T>(JsonTypeInfo<T> type) =>
        new(Location ?? Url, Deserialize(type), Json(), RetryAfter) { Created = Status == HttpStatusCode.Created };

    /// <summary>The problem document of an error response, when there is one (RFC 7807 §3).</summary>
    public Problem? TryProblem()
    {
        if (Body.Length == 0) return null;
        try
        {
            var problem = JsonSerializer.Deserialize(Body, AcmeJsonContext.Default.Problem);
            return problem?.Type is null && MediaType != "application/problem+json" ? null : problem;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
