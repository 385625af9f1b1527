using System.Text.Json;

namespace Concorde.Acme;

/// <summary>A server object with the URL it lives at (the Location header, else the URL requested), its raw
/// JSON (for printing it exactly as the server sent it) and the server's Retry-After, if any.</summary>
public sealed record AcmeResource<T>(Uri Location, T Value, JsonElement Json, TimeSpan? RetryAfter);
