using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Concorde.Shaman;

/// <summary>What an endpoint answered a TLS handshake with: its leaf certificate, or why there was none.</summary>
public sealed record ServedCertificate(string? Serial, DateTimeOffset? NotAfter, byte[]? SubjectPublicKeyInfo, string? Problem)
{
    public bool Matches(X509Certificate2 expected) =>
        Serial == expected.SerialNumber && SubjectPublicKeyInfo is { } key && key.AsSpan().SequenceEqual(expected.PublicKey.ExportSubjectPublicKeyInfo());

    /// <summary>"serial …, not after …" or the connection's problem, for a log line.</summary>
    public string Describe() => Problem ?? $"serial {Serial}, not after {NotAfter:yyyy-MM-dd HH:mm} UTC";
}

/// <summary>Connects to a TLS endpoint with a given SNI name and captures the leaf it serves. No trust decision is
/// made: the caller compares the leaf with the certificate file, and nothing is sent over the connection.</summary>
public sealed class ServedCertificateProbe(TimeProvider time, TimeSpan timeout, int attempts, TimeSpan pause)
{
    /// <summary>Short enough for a cron run over many endpoints; the retries cover a server that reloads slowly.</summary>
    public static ServedCertificateProbe Default(TimeProvider time) => new(time, TimeSpan.FromSeconds(5), 3, TimeSpan.FromSeconds(2));

    /// <summary>Asks again after a pause while the endpoint serves something else or cannot be reached: a server
    /// reloads asynchronously after its reload command returned.</summary>
    /// <returns>The last answer: a match, or what the endpoint served on the last attempt.</returns>
    public async Task<ServedCertificate> AwaitAsync(VerifyEndpoint endpoint, string serverName, X509Certificate2 expected, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var served = await FetchAsync(endpoint, serverName, ct);
            if (served.Matches(expected) || attempt >= attempts) return served;
            await Task.Delay(pause, time, ct);
        }
    }

    public async Task<ServedCertificate> FetchAsync(VerifyEndpoint endpoint, string serverName, CancellationToken ct)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        X509Certificate2? leaf = null;
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(endpoint.Host, endpoint.Port, linked.Token);
            await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is not null) leaf = new X509Certificate2(certificate);
                    return true;
                },
            }, linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            leaf?.Dispose();
            return new ServedCertificate(null, null, null, $"did not complete a TLS handshake within {timeout.TotalSeconds:0} seconds");
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException)
        {
            leaf?.Dispose();
            return new ServedCertificate(null, null, null, $"cannot be reached over TLS ({e.Message})");
        }
        if (leaf is null) return new ServedCertificate(null, null, null, "sent no certificate");
        using (leaf)
            return new ServedCertificate(leaf.SerialNumber, new DateTimeOffset(leaf.NotAfter.ToUniversalTime()), leaf.PublicKey.ExportSubjectPublicKeyInfo(), null);
    }
}
