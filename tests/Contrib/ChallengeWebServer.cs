using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Concorde.Tests.Contrib;

/// <summary>
/// The web server of an http-01 webroot set-up, as small as it gets: plain HTTP/1.1 on 127.0.0.1 only, serving
/// the files under <c>&lt;webroot&gt;/.well-known/acme-challenge/</c> (like nginx's <c>root</c>) and 404 for
/// everything else. It records every request so a test can see that Pebble's validator came by.
/// </summary>
internal sealed class ChallengeWebServer : IAsyncDisposable
{
    private const string ChallengePath = "/.well-known/acme-challenge/";
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly ConcurrentQueue<ServedRequest> _requests = new();

    private ChallengeWebServer(string webroot, int port)
    {
        Webroot = webroot;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _loop = AcceptAsync(_stop.Token);
    }

    /// <summary>The document root, e.g. what <c>WEBROOT</c> names for contrib/authenticators/http01-webroot.</summary>
    public string Webroot { get; }

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<ServedRequest> Requests => _requests.ToArray();

    /// <summary>Listens on 127.0.0.1:<paramref name="port"/> until disposed.</summary>
    public static ChallengeWebServer Start(string webroot, int port) => new(webroot, port);

    private async Task AcceptAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = ServeAsync(client, ct);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken ct)
    {
        using var _ = client;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
            var requestLine = await reader.ReadLineAsync(timeout.Token) ?? "";
            var host = "";
            for (var line = await reader.ReadLineAsync(timeout.Token); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync(timeout.Token))
                if (line.StartsWith("Host:", StringComparison.OrdinalIgnoreCase)) host = line[5..].Trim();

            var parts = requestLine.Split(' ');
            var (status, body) = parts.Length == 3 && parts[0] is "GET" or "HEAD" ? Lookup(parts[1]) : (400, "bad request");
            _requests.Enqueue(new ServedRequest(requestLine, host, status));
            var content = Encoding.UTF8.GetBytes(body);
            var head = $"HTTP/1.1 {status} {(status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request")}\r\n" +
                       $"Content-Type: text/plain\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token);
            if (parts[0] != "HEAD") await stream.WriteAsync(content, timeout.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
            // The client went away or took too long; nothing to serve.
        }
    }

    /// <summary>Only single-segment names directly under the challenge directory, so a request cannot leave the
    /// webroot.</summary>
    private (int Status, string Body) Lookup(string target)
    {
        if (!target.StartsWith(ChallengePath, StringComparison.Ordinal)) return (404, "not found");
        var name = target[ChallengePath.Length..];
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return (404, "not found");
        var file = Path.Combine(Webroot, ".well-known", "acme-challenge", name);
        return File.Exists(file) ? (200, File.ReadAllText(file)) : (404, "not found");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}

/// <summary>One request the <see cref="ChallengeWebServer"/> answered.</summary>
internal sealed record ServedRequest(string RequestLine, string Host, int Status);
