using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Concorde.Tests.Support;

/// <summary>
/// A private Pebble ACME server plus a pebble-challtestsrv instance (mock DNS on a random port, HTTP-01 and
/// TLS-ALPN-01 responders), all bound to 127.0.0.1 on free ports, with a throwaway TLS CA. Several instances can
/// run side by side. Dispose to kill both processes and delete <see cref="WorkDirectory"/>.
/// </summary>
/// <remarks>
/// challtestsrv answers every A query with 127.0.0.1 (and no AAAA), and Pebble resolves through it, so
/// Pebble validates any name (example.com, foo.test, ...) against <see cref="Http01Port"/> /
/// <see cref="TlsAlpn01Port"/> on loopback and reads DNS-01 TXT records from challtestsrv.
/// </remarks>
public sealed class PebbleServer : IAsyncDisposable
{
    private const int MaxStartAttempts = 3;
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(10);
    private static readonly ConcurrentDictionary<PebbleServer, byte> LiveServers = new();

    private static readonly string[] InheritedVariablesToDrop =
    [
        "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy",
    ];

    private readonly LoggedProcess pebble;
    private readonly LoggedProcess challengeServer;
    private readonly string caPem;
    private int disposed;

    static PebbleServer()
    {
        // Last line of defence: never leave pebble processes behind when the test host exits without disposing.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var server in LiveServers.Keys)
            {
                server.pebble.TryKill();
                server.challengeServer.TryKill();
            }
        };
    }

    private PebbleServer(
        PebbleOptions options,
        string workDirectory,
        TestCertificateAuthority authority,
        PortAllocation ports,
        LoggedProcess pebble,
        LoggedProcess challengeServer)
    {
        Options = options;
        WorkDirectory = workDirectory;
        CaBundlePath = authority.CaPemPath;
        caPem = authority.CaPem;
        AcmePort = ports.Tcp[0];
        ManagementPort = ports.Tcp[1];
        Http01Port = ports.Tcp[2];
        TlsAlpn01Port = ports.Tcp[3];
        ChallengeServerManagementPort = ports.Tcp[4];
        DnsPort = ports.TcpAndUdp[0];
        DirectoryUrl = new Uri($"https://127.0.0.1:{AcmePort}/dir");
        ManagementUrl = new Uri($"https://127.0.0.1:{ManagementPort}/");
        ChallengeServerUrl = new Uri($"http://127.0.0.1:{ChallengeServerManagementPort}/");
        this.pebble = pebble;
        this.challengeServer = challengeServer;
        Management = new PebbleManagementClient(ManagementUrl, CreateTrustingHttpClient());
        ChallengeServer = new ChallengeServerClient(ChallengeServerUrl, () => ChallengeServerLog);
    }

    /// <summary>The options this server was started with.</summary>
    public PebbleOptions Options { get; }

    /// <summary>ACME directory, e.g. <c>https://127.0.0.1:41234/dir</c>.</summary>
    public Uri DirectoryUrl { get; }

    /// <summary>PEM file of the CA that issued the TLS certificate of the ACME and management endpoints.</summary>
    public string CaBundlePath { get; }

    /// <summary>Pebble's management interface (https, same CA as the ACME endpoint), with trailing slash.</summary>
    public Uri ManagementUrl { get; }

    /// <summary>pebble-challtestsrv's management interface (plain http), with trailing slash.</summary>
    public Uri ChallengeServerUrl { get; }

    /// <summary>Port of the ACME endpoint.</summary>
    public int AcmePort { get; }

    /// <summary>Port of Pebble's management interface.</summary>
    public int ManagementPort { get; }

    /// <summary>Port Pebble connects to for HTTP-01 validation (served by challtestsrv unless disabled in options).</summary>
    public int Http01Port { get; }

    /// <summary>Port Pebble connects to for TLS-ALPN-01 validation (served by challtestsrv unless disabled in options).</summary>
    public int TlsAlpn01Port { get; }

    /// <summary>UDP+TCP port of challtestsrv's mock DNS server, which Pebble uses as its resolver.</summary>
    public int DnsPort { get; }

    /// <summary>Port of challtestsrv's management interface.</summary>
    public int ChallengeServerManagementPort { get; }

    /// <summary>Temporary directory holding the config, certificates and key; deleted on dispose.</summary>
    public string WorkDirectory { get; }

    /// <summary>Pebble's management interface: roots, intermediates, certificate status.</summary>
    public PebbleManagementClient Management { get; }

    /// <summary>challtestsrv's management API: HTTP-01 and TLS-ALPN-01 responses, TXT records.</summary>
    public ChallengeServerClient ChallengeServer { get; }

    /// <summary>Everything pebble wrote to stdout/stderr so far.</summary>
    public string PebbleLog => pebble.Log;

    /// <summary>Everything pebble-challtestsrv wrote to stdout/stderr so far.</summary>
    public string ChallengeServerLog => challengeServer.Log;

    /// <summary>Starts a server with default options.</summary>
    public static Task<PebbleServer> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(PebbleOptions.Default, cancellationToken);

    /// <summary>
    /// Starts pebble-challtestsrv and pebble on fresh loopback ports and waits until both answer.
    /// Retries with new ports (up to 3 attempts) when a process exits early or reports a bind failure.
    /// Throws <see cref="InvalidOperationException"/> if the binaries are not installed and
    /// <see cref="TimeoutException"/> (with both logs) if the servers do not become ready within
    /// <see cref="PebbleOptions.StartupTimeout"/>.
    /// </summary>
    public static async Task<PebbleServer> StartAsync(PebbleOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (pebblePath, challengeServerPath) = PebbleExecutables.Locate(Environment.GetEnvironmentVariable("PATH"));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.StartupTimeout);
        var failures = new StringBuilder();

        for (var attempt = 1; attempt <= MaxStartAttempts; attempt++)
        {
            var server = Launch(options, pebblePath, challengeServerPath);
            using var probe = new PebbleStartupProbe(server, server.pebble, server.challengeServer);
            try
            {
                await probe.WaitUntilReadyAsync(options.StartupTimeout, timeout.Token).ConfigureAwait(false);
                return server;
            }
            catch (StartAttemptFailedException e)
            {
                failures.Append("Attempt ").Append(attempt).Append(": ").AppendLine(e.Message).AppendLine(server.DescribeLogs());
                await server.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when ((e is OperationCanceledException or TimeoutException) && !cancellationToken.IsCancellationRequested)
            {
                var message = $"Pebble did not become ready within {options.StartupTimeout.TotalSeconds:0.#} s " +
                    $"(attempt {attempt}; last probe: {probe.LastFailure ?? "none"}).{Environment.NewLine}" +
                    failures + server.DescribeLogs();
                await server.DisposeAsync().ConfigureAwait(false);
                throw new TimeoutException(message);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        throw new InvalidOperationException(
            $"Pebble failed to start after {MaxStartAttempts} attempts.{Environment.NewLine}{failures}");
    }

    /// <summary>
    /// A handler that trusts only this server's throwaway CA (no system roots, no revocation checks) and uses no proxy.
    /// </summary>
    public SocketsHttpHandler CreateTrustingHandler()
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.Add(X509Certificate2.CreateFromPem(caPem));
        return new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy },
        };
    }

    /// <summary>An <see cref="HttpClient"/> trusting only this server's throwaway CA. The caller owns it.</summary>
    public HttpClient CreateTrustingHttpClient() => new(CreateTrustingHandler(), disposeHandler: true);

    /// <summary>Kills both processes (whole process trees), waits for them to exit and deletes <see cref="WorkDirectory"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await Task.WhenAll(pebble.StopAsync(KillTimeout), challengeServer.StopAsync(KillTimeout)).ConfigureAwait(false);
        LiveServers.TryRemove(this, out _);
        Management.Dispose();
        ChallengeServer.Dispose();
        TempDirectory.TryDelete(WorkDirectory);
    }

    public override string ToString() => $"Pebble {DirectoryUrl} (challtestsrv {ChallengeServerUrl}, dns 127.0.0.1:{DnsPort})";

    /// <summary>Pebble reads PEBBLE_* settings from its environment; only <see cref="PebbleOptions"/> may set them.
    /// A proxy setting would send loopback traffic elsewhere.</summary>
    private static bool IsDroppedFromInheritedEnvironment(string name) =>
        name.StartsWith("PEBBLE_", StringComparison.Ordinal) || InheritedVariablesToDrop.Contains(name);

    private static PebbleServer Launch(PebbleOptions options, string pebblePath, string challengeServerPath)
    {
        var workDirectory = Directory.CreateTempSubdirectory("concorde-pebble-").FullName;
        LoggedProcess? challengeServer = null;
        LoggedProcess? pebble = null;
        try
        {
            var authority = TestCertificateAuthority.Create(workDirectory);
            var ports = FreePorts.Allocate(tcpCount: 5, tcpAndUdpCount: 1);
            int acme = ports.Tcp[0], management = ports.Tcp[1], http01 = ports.Tcp[2], tlsAlpn01 = ports.Tcp[3],
                challengeManagement = ports.Tcp[4], dns = ports.TcpAndUdp[0];

            var configPath = Path.Combine(workDirectory, "pebble-config.json");
            File.WriteAllBytes(configPath, PebbleConfigFile.Build(options, authority, acme, management, http01, tlsAlpn01));

            challengeServer = LoggedProcess.Start(
                challengeServerPath,
                workDirectory,
                [
                    "-defaultIPv4", "127.0.0.1",
                    "-defaultIPv6", "",
                    "-dns01", $"127.0.0.1:{dns}",
                    "-http01", options.ChallengeServerHandlesHttp01 ? $"127.0.0.1:{http01}" : "",
                    "-https01", "",
                    "-tlsalpn01", options.ChallengeServerHandlesTlsAlpn01 ? $"127.0.0.1:{tlsAlpn01}" : "",
                    "-management", $"127.0.0.1:{challengeManagement}",
                ],
                new Dictionary<string, string>(),
                IsDroppedFromInheritedEnvironment);

            List<string> pebbleArguments = ["-config", configPath, "-dnsserver", options.DnsServer ?? $"127.0.0.1:{dns}"];
            if (options.Strict)
            {
                pebbleArguments.Add("-strict");
            }

            pebble = LoggedProcess.Start(pebblePath, workDirectory, pebbleArguments, options.GetEffectiveEnvironment(),
                IsDroppedFromInheritedEnvironment);

            var server = new PebbleServer(options, workDirectory, authority, ports, pebble, challengeServer);
            LiveServers.TryAdd(server, 0);
            return server;
        }
        catch
        {
            pebble?.TryKill();
            challengeServer?.TryKill();
            pebble?.Dispose();
            challengeServer?.Dispose();
            TempDirectory.TryDelete(workDirectory);
            throw;
        }
    }

    private string DescribeLogs()
    {
        var text = new StringBuilder();
        foreach (var process in new[] { pebble, challengeServer })
        {
            text.Append("----- ").Append(process.Name).Append(' ').Append(process.Describe()).AppendLine(" -----");
            text.AppendLine(process.Log);
        }

        return text.ToString();
    }

}
