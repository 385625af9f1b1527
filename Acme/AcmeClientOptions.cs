namespace Concorde.Acme;

/// <summary>Bounds on retries and waits; every loop in the client ends.</summary>
public sealed record AcmeClientOptions
{
    /// <summary>RFC 8555 §6.5: badNonce is retried with the nonce from the error response. A retry costs one
    /// request; with 30, even a CA rejecting half of all nonces fails a request only once in 10^9.</summary>
    public int MaxBadNonceRetries { get; init; } = 30;
    /// <summary>Retries after a network failure, a timeout, 5xx or 429.</summary>
    public int MaxTransientRetries { get; init; } = 3;
    /// <summary>A Retry-After longer than this is not waited for inside one request; the error surfaces.</summary>
    public TimeSpan MaxRetryAfterWait { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>One HTTP exchange, headers and body.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>The very first pause while polling without Retry-After. Short, because a CA often decides in
    /// milliseconds; one early look costs a single request when it has not.</summary>
    public TimeSpan PollFirstInterval { get; init; } = TimeSpan.FromMilliseconds(20);
    /// <summary>The pause after that, doubling up to <see cref="PollMaxInterval"/>; also the shortest wait
    /// when the server's Retry-After asks for less.</summary>
    public TimeSpan PollInitialInterval { get; init; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan PollMaxInterval { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Longest time spent polling one resource (validation, issuance).</summary>
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Told, in a sentence, about retries and long waits, so a person watching knows what is going
    /// on ("waiting for validation of example.com, 6 s").</summary>
    public Action<string>? Progress { get; init; }

    /// <summary>Polling shorter than this goes unreported.</summary>
    public TimeSpan ProgressAfter { get; init; } = TimeSpan.FromSeconds(2);
}
