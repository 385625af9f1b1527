using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Concorde.Acme.Crypto;
using Concorde.Acme.Http;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;

namespace Concorde.Acme;

/// <summary>An ACME v2 client (RFC 8555) bound to one directory. All signed requests go through
/// <see cref="SendAsync"/>, the single place that signs, sends, harvests nonces and retries.</summary>
public sealed partial class AcmeClient
{
    private const string JoseMediaType = "application/jose+json";

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly NonceStore _nonces;
    /// <summary>Shared with the views <see cref="WithProgress"/> makes, as the nonces are.</summary>
    private readonly StrongBox<int> _requestCount;

    private AcmeClient(HttpClient http, TimeProvider time, AcmeClientOptions options, Uri directoryUrl,
        AcmeDirectory directory, JsonElement directoryJson, NonceStore nonces, StrongBox<int> requestCount)
    {
        _http = http;
        _time = time;
        Options = options;
        DirectoryUrl = directoryUrl;
        Directory = directory;
        DirectoryJson = directoryJson;
        _nonces = nonces;
        _requestCount = requestCount;
    }

    /// <summary>The same client (connection, directory, nonces) whose retry and progress lines go to
    /// <paramref name="progress"/>: one per caller, so that callers working side by side can tell their lines apart.</summary>
    public AcmeClient WithProgress(Action<string>? progress) =>
        new(_http, _time, Options with { Progress = progress }, DirectoryUrl, Directory, DirectoryJson, _nonces, _requestCount);

    public Uri DirectoryUrl { get; }
    public AcmeDirectory Directory { get; }
    public JsonElement DirectoryJson { get; }
    public AcmeClientOptions Options { get; }
    /// <summary>HTTP requests sent so far, retries included.</summary>
    public int RequestCount => Volatile.Read(ref _requestCount.Value);

    /// <summary>Fetches the directory (RFC 8555 §7.1.1) and returns a client bound to it.</summary>
    public static async Task<AcmeClient> CreateAsync(HttpClient http, Uri directoryUrl, TimeProvider time,
        AcmeClientOptions? options, CancellationToken ct)
    {
        var bootstrap = new AcmeClient(http, time, options ?? new AcmeClientOptions(), directoryUrl, new AcmeDirectory(), default,
            new NonceStore(), new StrongBox<int>());
        var response = await bootstrap.SendAsync(HttpMethod.Get, directoryUrl, sign: null, accept: null, ct);
        var directory = response.Deserialize(AcmeJsonContext.Default.AcmeDirectory);
        var missing = new[] { ("newNonce", directory.NewNonce), ("newAccount", directory.NewAccount), ("newOrder", directory.NewOrder) }
            .Where(endpoint => endpoint.Item2 is null).Select(endpoint => endpoint.Item1).ToList();
        if (missing.Count > 0)
            throw new AcmeProtocolException($"{directoryUrl} is not an ACME directory: it has no {string.Join(", ", missing)}");
        return new AcmeClient(http, time, bootstrap.Options, directoryUrl, directory, response.Json(), bootstrap._nonces, bootstrap._requestCount);
    }

    // ---- the single send path -------------------------------------------------------------------------

    /// <summary>Sends one request. When <paramref name="sign"/> is given, each attempt is a new JWS over a fresh
    /// nonce. badNonce is retried (§6.5); network failures, 5xx and 429 are retried with backoff or the
    /// server's Retry-After while that stays within <see cref="AcmeClientOptions.MaxRetryAfterWait"/>.</summary>
    private async Task<AcmeResponse> SendAsync(HttpMethod method, Uri url, Func<string, JwsMessage>? sign, string? accept,
        CancellationToken ct)
    {
        RequireAllowed(url, $"{method} {url}");
        var badNonces = 0;
        var transientFailures = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var nonce = sign is null ? null : await TakeNonceAsync(ct);
            AcmeResponse response;
            try
            {
                response = await ExchangeAsync(method, url, sign is null ? null : sign(nonce!), accept, ct);
            }
            catch (TransientFailure failure)
            {
                if (++transientFailures > Options.MaxTransientRetries)
                    throw new AcmeProtocolException($"{method} {url} failed {Attempts(transientFailures)}: {failure.Message}", failure.InnerException);
                Options.Progress?.Invoke($"{method} {url} failed ({failure.Message}); retrying in {Backoff(transientFailures).TotalSeconds:0} s");
                await Task.Delay(Backoff(transientFailures), _time, ct);
                continue;
            }
            if (response.IsSuccess) return response;

            var problem = response.TryProblem();
            if (problem?.Kind == ProblemKind.BadNonce && sign is not null && ++badNonces <= Options.MaxBadNonceRetries)
                continue;
            if (IsTransient(response.Status) && ++transientFailures <= Options.MaxTransientRetries)
            {
                var wait = response.RetryAfter ?? Backoff(transientFailures);
                if (wait <= Options.MaxRetryAfterWait)
                {
                    Options.Progress?.Invoke($"{method} {url} answered HTTP {(int)response.Status}; retrying in {wait.TotalSeconds:0} s");
                    await Task.Delay(wait, _time, ct);
                    continue;
                }
            }
            if (problem is not null) throw AcmeProblemException.Refused(problem, method, url, response.Status, response.RetryAfter);
            var tries = transientFailures > 0 ? $" {Attempts(transientFailures)}" : "";
            throw new AcmeProtocolException($"{method} {url} answered HTTP {(int)response.Status} {response.Status}{tries} without a problem document",
                status: response.Status);
        }
    }

    private async Task<AcmeResponse> ExchangeAsync(HttpMethod method, Uri url, JwsMessage? jws, string? accept, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Options.RequestTimeout);
        using var request = new HttpRequestMessage(method, url);
        if (jws is not null)
        {
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(jws, AcmeJsonContext.Default.JwsMessage));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(JoseMediaType);
        }
        if (accept is not null) request.Headers.Accept.ParseAdd(accept);
        Interlocked.Increment(ref _requestCount.Value);
        try
        {
            using var message = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (message.Headers.TryGetValues("Replay-Nonce", out var nonces))
                foreach (var value in nonces) _nonces.Add(value);
            var body = await ReadBodyAsync(message, url, timeout.Token);
            return new AcmeResponse(url, message.StatusCode, message.Headers, message.Content.Headers.ContentType?.MediaType,
                body, RetryAfter.From(message.Headers, _time.GetUtcNow()));
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            // An untrusted or mismatched certificate does not fix itself within a few seconds: no retry.
            throw new AcmeProtocolException($"{method} {url} failed: {OneLine(e)}", e);
        }
        catch (HttpRequestException e)
        {
            throw new TransientFailure(OneLine(e), e);
        }
        catch (IOException e)
        {
            throw new TransientFailure(OneLine(e), e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new TransientFailure($"no complete answer within {Options.RequestTimeout.TotalSeconds:0} s", e);
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage message, Uri url, CancellationToken ct)
    {
        const int limit = AcmeHttpClientFactory.MaxResponseBytes;
        if (message.Content.Headers.ContentLength > limit)
            throw new AcmeProtocolException($"{url} sent {message.Content.Headers.ContentLength} bytes; more than {limit} is refused");
        await using var stream = await message.Content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
                throw new AcmeProtocolException($"{url} sent more than {limit} bytes; refused");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private async Task<string> TakeNonceAsync(CancellationToken ct)
    {
        if (_nonces.TryTake(out var nonce)) return nonce;
        // RFC 8555 §7.2: HEAD newNonce. Its nonce is this request's own: taken back out of the store, where every
        // response's Replay-Nonce lands, so a parallel request cannot have it in between.
        var response = await SendAsync(HttpMethod.Head, Directory.NewNonce!, sign: null, accept: null, ct);
        if (response.Headers.TryGetValues("Replay-Nonce", out var values) && values.FirstOrDefault() is { Length: > 0 } fresh)
        {
            _nonces.Remove(fresh);
            return fresh;
        }
        throw new AcmeProtocolException($"{Directory.NewNonce} returned no Replay-Nonce header");
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, attempt - 1)));

    private static string Attempts(int failures) => failures == 1 ? "after 1 attempt" : $"after {failures} attempts";

    /// <summary>An exception and its causes as one line: HttpClient's own message ("An error occurred while sending
    /// the request") says nothing without the inner one ("The response ended prematurely").</summary>
    private static string OneLine(Exception e)
    {
        var parts = new List<string>();
        for (Exception? cause = e; cause is not null; cause = cause.InnerException)
        {
            var text = cause.Message.Replace(", see inner exception", "", StringComparison.Ordinal).ReplaceLineEndings(" ").Trim().TrimEnd('.');
            if (text.Length > 0 && !parts.Any(p => p.Contains(text, StringComparison.Ordinal))) parts.Add(text);
        }
        return string.Join(": ", parts);
    }

    // ---- signed helpers used by the resource files -------------------------------------------------------

    /// <summary>POST with a JSON payload, or POST-as-GET (§6.3) when <paramref name="payload"/> is empty.</summary>
    private Task<AcmeResponse> PostAsync(Uri url, ECDsa key, Uri? kid, byte[] payload, CancellationToken ct, string? accept = null) =>
        SendAsync(HttpMethod.Post, url, nonce => JwsSigner.Sign(key, kid, nonce, url, payload), accept, ct);

    private Task<AcmeResponse> PostAsync(Uri url, AcmeAccountKey account, byte[] payload, CancellationToken ct, string? accept = null) =>
        PostAsync(url, account.Key, account.AccountUrl, payload, ct, accept);

    private async Task<AcmeResource<T>> PostForResourceAsync<T>(Uri url, AcmeAccountKey account, byte[] payload,
        JsonTypeInfo<T> type, CancellationToken ct)
    {
        var response = await PostAsync(url, account, payload, ct);
        return response.ToResource(type);
    }

    private static byte[] Json<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToUtf8Bytes(value, type);

    /// <summary>§6.3: the payload of a POST-as-GET is the empty string.</summary>
    private static readonly byte[] PostAsGet = [];

    /// <summary>URLs come from the server (directory, Location, order and authorization bodies, Link headers) and
    /// are neither sent to nor recorded unless they are https — or, for a test CA whose own directory is plain
    /// http on this machine, loopback http. Anything else (file:, a plain-http host out there) is refused here.</summary>
    private void RequireAllowed(Uri url, string what)
    {
        var allowed = url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttps
                                            || (DirectoryUrl.Scheme == Uri.UriSchemeHttp && LoopbackHttp.IsAllowed(url)));
        if (!allowed)
            throw new AcmeProtocolException(DirectoryUrl.Scheme == Uri.UriSchemeHttp
                ? $"{what}: the server gave a URL that is neither https nor loopback http; refused"
                : $"{what}: the server gave a URL that is not https; refused");
    }

    private static Uri Require(Uri? endpoint, string name) =>
        endpoint ?? throw new AcmeProtocolException($"the server's directory has no {name} endpoint");

    /// <summary>Carries a failure worth retrying out of <see cref="ExchangeAsync"/>.</summary>
    private sealed class TransientFailure(string message, Exception inner) : Exception(message, inner);
}
