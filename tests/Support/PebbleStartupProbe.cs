using System.Net;
using System.Net.Sockets;

namespace Concorde.Tests.Support;

/// <summary>Whether a just-launched Pebble and challtestsrv answer on every port the tests use: the ACME directory,
/// Pebble's management interface, challtestsrv's management API, its HTTP-01 responder (serving a probe token),
/// its DNS and TLS-ALPN-01 ports. A process that exits or cannot bind fails the attempt at once.</summary>
internal sealed class PebbleStartupProbe : IDisposable
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private readonly PebbleServer server;
    private readonly LoggedProcess pebble;
    private readonly LoggedProcess challengeServer;
    private readonly HttpClient acmeHttp;
    private readonly HttpClient plainHttp = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });

    public PebbleStartupProbe(PebbleServer server, LoggedProcess pebble, LoggedProcess challengeServer)
    {
        this.server = server;
        this.pebble = pebble;
        this.challengeServer = challengeServer;
        acmeHttp = server.CreateTrustingHttpClient();
    }

    /// <summary>Why the last probe failed; null once one succeeded.</summary>
    public string? LastFailure { get; private set; }

    /// <summary>Returns once everything answers; throws <see cref="StartAttemptFailedException"/> when a process
    /// exited or could not bind (worth another attempt on other ports), <see cref="TimeoutException"/> after
    /// <paramref name="deadline"/>.</summary>
    public Task WaitUntilReadyAsync(TimeSpan deadline, CancellationToken cancellationToken) =>
        Eventually.WaitUntilAsync(async () =>
        {
            await ThrowIfFailedAsync(cancellationToken).ConfigureAwait(false);
            using var probeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            probeTimeout.CancelAfter(ProbeTimeout);
            var probe = ProbeAsync(probeTimeout.Token, cancellationToken);
            if (await Task.WhenAny(probe, pebble.Exited, challengeServer.Exited).ConfigureAwait(false) != probe)
            {
                // Do not wait for a probe that may hang on a port squatted by someone else.
                await probeTimeout.CancelAsync().ConfigureAwait(false);
                await probe.ConfigureAwait(false);
                return false;
            }

            if (!await probe.ConfigureAwait(false)) return false;
            // A bind failure of a challtestsrv listener is only logged (the process keeps running).
            await ThrowIfFailedAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, deadline, "Pebble and pebble-challtestsrv to answer on every port", cancellationToken);

    public void Dispose()
    {
        acmeHttp.Dispose();
        plainHttp.Dispose();
    }

    private async Task ThrowIfFailedAsync(CancellationToken cancellationToken)
    {
        foreach (var process in new[] { pebble, challengeServer })
        {
            if (process.HasExited)
            {
                // Its last output, read to the end, explains why.
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                throw new StartAttemptFailedException($"{process.Name} exited early with code {process.ExitCode}.");
            }

            if (process.Log.Contains("address already in use", StringComparison.OrdinalIgnoreCase) ||
                process.Log.Contains("bind: ", StringComparison.Ordinal))
            {
                throw new StartAttemptFailedException($"{process.Name} could not bind one of its ports.");
            }
        }
    }

    private async Task<bool> ProbeAsync(CancellationToken token, CancellationToken cancellationToken)
    {
        try
        {
            using (var response = await acmeHttp.GetAsync(server.DirectoryUrl, token).ConfigureAwait(false))
            {
                if (!response.IsSuccessStatusCode)
                {
                    LastFailure = $"GET {server.DirectoryUrl} returned {(int)response.StatusCode}";
                    return false;
                }
            }

            var roots = new Uri(server.ManagementUrl, "roots/0");
            using (var response = await acmeHttp.GetAsync(roots, token).ConfigureAwait(false))
            {
                if (!response.IsSuccessStatusCode)
                {
                    LastFailure = $"GET {roots} returned {(int)response.StatusCode}";
                    return false;
                }
            }

            await server.ChallengeServer.AnswersAsync(token).ConfigureAwait(false);

            if (server.Options.ChallengeServerHandlesHttp01)
            {
                var probeToken = "pebble-server-probe-" + Guid.NewGuid().ToString("N");
                await server.ChallengeServer.AddHttp01Async(probeToken, probeToken + ".probe", token).ConfigureAwait(false);
                var served = await plainHttp.GetStringAsync(
                    new Uri($"http://127.0.0.1:{server.Http01Port}/.well-known/acme-challenge/{probeToken}"), token).ConfigureAwait(false);
                await server.ChallengeServer.DelHttp01Async(probeToken, token).ConfigureAwait(false);
                if (served != probeToken + ".probe")
                {
                    LastFailure = $"HTTP-01 probe on port {server.Http01Port} returned unexpected content";
                    return false;
                }
            }

            using (var dnsTcp = new TcpClient(AddressFamily.InterNetwork))
            {
                await dnsTcp.ConnectAsync(IPAddress.Loopback, server.DnsPort, token).ConfigureAwait(false);
            }

            if (server.Options.ChallengeServerHandlesTlsAlpn01)
            {
                using var tlsAlpnTcp = new TcpClient(AddressFamily.InterNetwork);
                await tlsAlpnTcp.ConnectAsync(IPAddress.Loopback, server.TlsAlpn01Port, token).ConfigureAwait(false);
            }

            LastFailure = null;
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or InvalidOperationException ||
                                  (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LastFailure = $"{e.GetType().Name}: {e.Message}";
            return false;
        }
    }
}

/// <summary>A start attempt that failed in a way other ports may fix (a process exited or could not bind).</summary>
internal sealed class StartAttemptFailedException(string message) : Exception(message);
