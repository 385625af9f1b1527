using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Concorde.Tests.Support;

namespace Concorde.Tests.Faults;

/// <summary>
/// An HTTPS reverse proxy on 127.0.0.1 (a free port) in front of a <see cref="PebbleServer"/>, answering with the
/// fixture's own "localhost" certificate, so a client that trusts the fixture's CA trusts the proxy too. Every
/// request is recorded and forwarded unless a <see cref="FaultRule"/> matches it (by method and path prefix, by its
/// index, or at a rate); the first matching rule's <see cref="Fault"/> then decides what the client gets.
/// The server's URLs (Location, Link, JSON bodies) are rewritten to the proxy's origin so the client keeps coming
/// back through it. Pebble itself builds its URLs from the Host header, which the proxy forwards as its own.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private static readonly HashSet<string> FramingAndHopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length", "Host",
    };

    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;
    private readonly HttpClient _upstream;
    private readonly string[] _upstreamOrigins;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<FaultRule> _rules = [];
    private readonly List<ProxiedRequest> _requests = [];
    private readonly List<string> _errors = [];
    private readonly ConcurrentDictionary<TcpClient, Task> _connections = new();
    private readonly Task _accepting;

    private FaultProxy(PebbleServer upstream)
    {
        Upstream = upstream;
        _certificate = X509Certificate2.CreateFromPemFile(
            Path.Combine(upstream.WorkDirectory, TestCertificateAuthority.LeafCertificateFileName),
            Path.Combine(upstream.WorkDirectory, TestCertificateAuthority.LeafKeyFileName));
        _upstream = upstream.CreateTrustingHttpClient();
        _upstream.Timeout = TimeSpan.FromSeconds(30);
        _upstreamOrigins = [$"https://127.0.0.1:{upstream.AcmePort}", $"https://localhost:{upstream.AcmePort}"];
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Origin = new Uri($"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        ForwardedHost = Origin.Authority;
        _accepting = AcceptAsync();
    }

    /// <summary>Starts a proxy in front of <paramref name="upstream"/>; dispose to stop it.</summary>
    public static FaultProxy Start(PebbleServer upstream) => new(upstream);

    public PebbleServer Upstream { get; }

    /// <summary>e.g. https://127.0.0.1:40123 (no trailing slash).</summary>
    public Uri Origin { get; }

    /// <summary>The Host header sent upstream: the proxy's own authority (so Pebble builds its URLs, and checks each
    /// JWS "url", against the proxy), or another for a test of the rewriting.</summary>
    public string ForwardedHost { get; set; }

    /// <summary>The upstream directory URL as seen through the proxy.</summary>
    public Uri DirectoryUrl => new(Origin, Upstream.DirectoryUrl.PathAndQuery);

    /// <summary>Every request received so far, in order of arrival.</summary>
    public IReadOnlyList<ProxiedRequest> Requests
    {
        get
        {
            lock (_gate) return _requests.ToArray();
        }
    }

    /// <summary>Requests with this method whose path starts with <paramref name="pathPrefix"/>.</summary>
    public IReadOnlyList<ProxiedRequest> RequestsTo(HttpMethod method, string pathPrefix) =>
        Requests.Where(r => r.Method == method.Method && r.Path.StartsWith(pathPrefix, StringComparison.Ordinal)).ToArray();

    /// <summary>What went wrong inside the proxy itself (upstream unreachable, unparsable request); a test that
    /// sees an entry here is testing the proxy, not the client.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_gate) return _errors.ToArray();
        }
    }

    /// <summary>Applies <paramref name="fault"/> to the next <paramref name="times"/> requests that match
    /// <paramref name="method"/> (any when null) and <paramref name="pathPrefix"/> (any when null).</summary>
    public FaultRule Inject(Fault fault, HttpMethod? method = null, string? pathPrefix = null, int times = 1) =>
        Add(new FaultRule([fault], request => Matches(request, method, pathPrefix), times));

    /// <summary>Applies <paramref name="fault"/> to the request with this index (0 = the first the proxy receives).</summary>
    public FaultRule InjectAt(int requestIndex, Fault fault) =>
        Add(new FaultRule([fault], request => request.Index == requestIndex, 1));

    /// <summary>Applies one of <paramref name="faults"/> to about <paramref name="rate"/> of the matching requests; which
    /// requests, and which fault each gets, come from a random generator seeded with <paramref name="seed"/>.</summary>
    public FaultRule InjectAtRate(double rate, int seed, IReadOnlyList<Fault> faults, HttpMethod? method = null, string? pathPrefix = null)
    {
        var random = new Random(seed);
        return Add(new FaultRule(faults, request => Matches(request, method, pathPrefix) && random.NextDouble() < rate, FaultRule.Always,
            () => faults[random.Next(faults.Count)]));
    }

    /// <summary>From now on every request is forwarded untouched.</summary>
    public void ClearFaults()
    {
        lock (_gate) _rules.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var connection in _connections.Keys) connection.Dispose();
        await _accepting;
        await Task.WhenAll(_connections.Values);
        _upstream.Dispose();
        _certificate.Dispose();
        _stop.Dispose();
    }

    // ---- rules ------------------------------------------------------------------------------------------------

    private FaultRule Add(FaultRule rule)
    {
        lock (_gate) _rules.Add(rule);
        return rule;
    }

    private static bool Matches(ProxiedRequest request, HttpMethod? method, string? pathPrefix) =>
        (method is null || request.Method == method.Method) &&
        (pathPrefix is null || request.Path.StartsWith(pathPrefix, StringComparison.Ordinal));

    private (ProxiedRequest Request, Fault? Fault) Receive(string method, string target, List<KeyValuePair<string, string>> headers, byte[] body)
    {
        lock (_gate)
        {
            var request = new ProxiedRequest(_requests.Count, method, target, headers, body);
            _requests.Add(request);
            // Every rule sees every request (a rate rule draws its number even when an earlier rule fires), so
            // which requests a seeded rule picks does not depend on the other rules.
            FaultRule? chosen = null;
            foreach (var rule in _rules)
                if (rule.Remaining > 0 && rule.Matches(request) && chosen is null)
                    chosen = rule;
            if (chosen is null) return (request, null);
            var fault = chosen.Fire();
            request.Fault = fault.Name;
            return (request, fault);
        }
    }

    // ---- connections ------------------------------------------------------------------------------------------

    private async Task AcceptAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _connections[client] = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        await Task.Yield();
        try
        {
            await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = _certificate,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            }, _stop.Token);
            var wire = new HttpWire(tls);
            while (await wire.ReadRequestAsync(_stop.Token) is { } read)
            {
                var (request, fault) = Receive(read.Method, read.Target, read.Headers, read.Body);
                var exchange = new ProxyExchange(this, request, tls);
                if (fault is null) await exchange.RespondAsync(await exchange.ForwardAsync(_stop.Token), _stop.Token);
                else await fault.ApplyAsync(exchange, _stop.Token);
                if (exchange.ClosesConnection ||
                    string.Equals(HttpWire.Find(read.Headers, "Connection"), "close", StringComparison.OrdinalIgnoreCase))
                    break;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or OperationCanceledException
                                      or ObjectDisposedException)
        {
            // The client went away: it timed out, refused an oversized body, distrusted the certificate, or the
            // test is over. There is no one left to answer.
        }
        catch (Exception e) when (e is HttpRequestException or InvalidDataException or FormatException)
        {
            lock (_gate) _errors.Add(e.Message);
        }
        finally
        {
            client.Dispose();
            _connections.TryRemove(client, out _);
        }
    }

    // ---- forwarding -------------------------------------------------------------------------------------------

    internal async Task<ProxyResponse> ForwardAsync(ProxiedRequest request, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(new Uri(_upstreamOrigins[0]), request.Target));
        if (request.Body.Length > 0 || request.Method == "POST") message.Content = new ByteArrayContent(request.Body);
        foreach (var (name, value) in request.Headers)
        {
            if (FramingAndHopByHop.Contains(name)) continue;
            if (!message.Headers.TryAddWithoutValidation(name, value)) message.Content?.Headers.TryAddWithoutValidation(name, value);
        }
        message.Headers.Host = ForwardedHost;
        using var response = await _upstream.SendAsync(message, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(h => !FramingAndHopByHop.Contains(h.Key))
            .SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, RewriteUrls(v))))
            .ToList();
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        if (mediaType.Contains("json", StringComparison.OrdinalIgnoreCase)) body = Encoding.UTF8.GetBytes(RewriteUrls(Encoding.UTF8.GetString(body)));
        return new ProxyResponse((int)response.StatusCode, response.ReasonPhrase ?? "", headers, body);
    }

    private string RewriteUrls(string text)
    {
        foreach (var origin in _upstreamOrigins) text = text.Replace(origin, Origin.AbsoluteUri.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);
        return text;
    }
}

/// <summary>One request on its way through the proxy: what a <see cref="Fault"/> works with.</summary>
public sealed class ProxyExchange
{
    private readonly FaultProxy _proxy;

    internal ProxyExchange(FaultProxy proxy, ProxiedRequest request, Stream client)
    {
        _proxy = proxy;
        Request = request;
        Client = client;
    }

    public ProxiedRequest Request { get; }

    /// <summary>The TLS stream to the client, for faults that write by hand.</summary>
    public Stream Client { get; }

    internal bool ClosesConnection { get; private set; }

    /// <summary>Sends the request to the server and returns its complete answer, URLs rewritten to the proxy.</summary>
    public Task<ProxyResponse> ForwardAsync(CancellationToken ct) => _proxy.ForwardAsync(Request, ct);

    /// <summary>Sends a complete response; the connection stays open for the next request.</summary>
    public async Task RespondAsync(ProxyResponse response, CancellationToken ct)
    {
        var hasBody = response.Status is not (204 or 304) && !(response.Status < 200);
        await WriteHeadAsync(response, hasBody ? response.Body.Length : null, ct, chunked: false);
        if (hasBody && Request.Method != "HEAD") await Client.WriteAsync(response.Body, ct);
        await Client.FlushAsync(ct);
    }

    /// <summary>Writes the status line and the header fields of <paramref name="response"/> (not its body) with
    /// Content-Length <paramref name="contentLength"/>, or chunked framing when that is null.</summary>
    public Task WriteHeadAsync(ProxyResponse response, long? contentLength, CancellationToken ct) =>
        WriteHeadAsync(response, contentLength, ct, chunked: contentLength is null);

    /// <summary>The connection is closed after this exchange, without a word to the client.</summary>
    public void CloseConnection() => ClosesConnection = true;

    private async Task WriteHeadAsync(ProxyResponse response, long? contentLength, CancellationToken ct, bool chunked)
    {
        var head = new StringBuilder($"HTTP/1.1 {response.Status} {response.Reason}\r\n");
        foreach (var (name, value) in response.Headers)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) ||
                name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) ||
                name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                continue;
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        if (contentLength is { } length) head.Append("Content-Length: ").Append(length).Append("\r\n");
        else if (chunked) head.Append("Transfer-Encoding: chunked\r\n");
        head.Append("\r\n");
        await Client.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), ct);
    }
}

/// <summary>A fault (or a choice of faults) and which requests it hits; <see cref="Applied"/> counts the hits so far.</summary>
public sealed class FaultRule
{
    /// <summary>For a rule that never runs out.</summary>
    public const int Always = int.MaxValue;

    private readonly Func<ProxiedRequest, bool> _matches;
    private readonly Func<Fault> _choose;
    private int _applied;
    private int _remaining;

    internal FaultRule(IReadOnlyList<Fault> faults, Func<ProxiedRequest, bool> matches, int times, Func<Fault>? choose = null)
    {
        Faults = faults;
        _matches = matches;
        _remaining = times;
        _choose = choose ?? (() => faults[0]);
    }

    public IReadOnlyList<Fault> Faults { get; }
    public int Applied => Volatile.Read(ref _applied);
    internal int Remaining => Volatile.Read(ref _remaining);

    internal bool Matches(ProxiedRequest request) => _matches(request);

    /// <summary>Counts a hit and picks the fault for it. Called under the proxy's lock.</summary>
    internal Fault Fire()
    {
        Interlocked.Increment(ref _applied);
        if (_remaining != Always) Interlocked.Decrement(ref _remaining);
        return _choose();
    }
}
