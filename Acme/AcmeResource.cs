using System.Text.Json;

namespace Concorde.Acme;

/// <summary>A server object with the URL it lives at (the Location header, else the URL requested), its raw
/// JSON (for printing it exactly as the server sent it) and the server's Retry-After, if any.</summary>
public sealed record AcmeResource<T>(Uri Location, T Value, JsonElement Json, TimeSpan? RetryAfter)
{
    /// <summary>The server answered 201 Created: this request made the resource. newAccount answers 200 instead
    /// when the key already has an account (RFC 8555 §7.3.1: "The body of this response represents the account
    /// object as it existed on the server before this request; any fields in the request object MUST be
    /// ignored").</summary>
    public bool Created { get; init; }
}
