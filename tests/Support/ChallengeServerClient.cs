using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Concorde.Tests.Support;

/// <summary>pebble-challtestsrv's management API: what its HTTP-01 and TLS-ALPN-01 responders serve and which TXT
/// records its mock DNS answers. Plain http on loopback, no proxy.</summary>
public sealed class ChallengeServerClient : IDisposable
{
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
    private readonly Func<string> log;

    /// <param name="url">The management interface, with trailing slash.</param>
    /// <param name="log">challtestsrv's output so far, quoted when a request fails.</param>
    internal ChallengeServerClient(Uri url, Func<string> log)
    {
        Url = url;
        this.log = log;
    }

    /// <summary>The management interface (plain http), with trailing slash.</summary>
    public Uri Url { get; }

    /// <summary>Serves <paramref name="keyAuthorization"/> at <c>/.well-known/acme-challenge/{token}</c> on the HTTP-01 port.</summary>
    public Task AddHttp01Async(string token, string keyAuthorization, CancellationToken cancellationToken = default) =>
        PostAsync("add-http01", cancellationToken, ("token", token), ("content", keyAuthorization));

    /// <summary>Stops serving the HTTP-01 response for <paramref name="token"/>.</summary>
    public Task DelHttp01Async(string token, CancellationToken cancellationToken = default) =>
        PostAsync("del-http01", cancellationToken, ("token", token));

    /// <summary>
    /// Adds a TXT record. <paramref name="host"/> is a fully qualified name with trailing dot,
    /// e.g. <c>_acme-challenge.example.com.</c>; <paramref name="value"/> is the record text.
    /// </summary>
    public Task AddTxtAsync(string host, string value, CancellationToken cancellationToken = default) =>
        PostAsync("set-txt", cancellationToken, ("host", host), ("value", value));

    /// <summary>Removes all TXT records of <paramref name="host"/> (fully qualified, trailing dot).</summary>
    public Task ClearTxtAsync(string host, CancellationToken cancellationToken = default) =>
        PostAsync("clear-txt", cancellationToken, ("host", host));

    /// <summary>Answers TLS-ALPN-01 (acme-tls/1) handshakes for <paramref name="host"/> on the TLS-ALPN-01 port.</summary>
    public Task AddTlsAlpn01Async(string host, string keyAuthorization, CancellationToken cancellationToken = default) =>
        PostAsync("add-tlsalpn01", cancellationToken, ("host", host), ("content", keyAuthorization));

    /// <summary>Stops answering TLS-ALPN-01 for <paramref name="host"/>.</summary>
    public Task DelTlsAlpn01Async(string host, CancellationToken cancellationToken = default) =>
        PostAsync("del-tlsalpn01", cancellationToken, ("host", host));

    /// <summary>Any HTTP answer (its root path is a 404) means the management server is up.</summary>
    internal async Task AnswersAsync(CancellationToken cancellationToken)
    {
        using (await http.GetAsync(Url, cancellationToken).ConfigureAwait(false))
        {
        }
    }

    public void Dispose() => http.Dispose();

    private async Task PostAsync(string path, CancellationToken cancellationToken, params (string Name, string Value)[] fields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in fields)
            {
                ArgumentNullException.ThrowIfNull(value, name);
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        using var content = new ByteArrayContent(buffer.WrittenSpan.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(new Uri(Url, path), content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new InvalidOperationException(
                $"pebble-challtestsrv POST /{path} returned {(int)response.StatusCode} {body}{Environment.NewLine}{log()}");
        }
    }
}
