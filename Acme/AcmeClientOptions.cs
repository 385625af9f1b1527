namespace Concorde.Acme;

/// <summary>Bounds on retries and waits; every loop in the client ends.</summary>
public sealed record AcmeClientOptions
{
    /// <summary>RFC 8555 §6.5: badNonce is retried with the nonce from the error response.</summary>
    public int MaxBadNonceRetries { get; init; } = 10;
    /// <summary>Retries after a network failure, a timeout, 5xx or 429.</summary>
    public int MaxTransientRetries { get; init; } = 3;
    /// <summary>A Retry-After longer than this is not waited for inside one request; the error surfaces.</summary>
    public TimeSpan MaxRetryAfterWait { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>One HTTP exchange, headers and body.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>First pause while polling without Retry-After; doubles up to <see cref="PollMaxInterval"/>.</summary>
    public TimeSpan PollInitialInterval { get; init; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan PollMaxInterval { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Longest time spent polling one resource (validation, issuance).</summary>
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromMinutes(3);
}
