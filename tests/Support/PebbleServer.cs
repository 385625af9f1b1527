using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

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
    /// <summary>Message of the exception thrown when the pebble binary cannot be found.</summary>
    public const string PebbleNotInstalledMessage = "pebble is not installed: apt-get install -y pebble";

    /// <summary>Message of the exception thrown when the pebble-challtestsrv binary cannot be found.</summary>
    public const string ChallengeServerNotInstalledMessage =
        "pebble-challtestsrv is not installed: apt-get install -y pebble-challtestsrv";

    private const int MaxStartAttempts = 3;
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(10);
    private static readonly ConcurrentDictionary<PebbleServer, byte> LiveServers = new();

    private static readonly string[] InheritedVariablesToDrop =
    [
        "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy",
    ];

    private readonly ChildProcess pebble;
    private readonly ChildProcess challengeServer;
    private readonly HttpClient acmeHttp;
    private readonly HttpClient plainHttp;
    private readonly string caPem;
    private volatile string? lastProbeFailure;
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
        ChildProcess pebble,
        ChildProcess challengeServer)
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
        acmeHttp = CreateTrustingHttpClient();
        plainHttp = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
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
        var (pebblePath, challengeServerPath) = LocateExecutables(Environment.GetEnvironmentVariable("PATH"));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.StartupTimeout);
        var failures = new StringBuilder();

        for (var attempt = 1; attempt <= MaxStartAttempts; attempt++)
        {
            var server = Launch(options, pebblePath, challengeServerPath);
            try
            {
                await server.WaitUntilReadyAsync(timeout.Token).ConfigureAwait(false);
                return server;
            }
            catch (StartAttemptFailedException e)
            {
                failures.Append("Attempt ").Append(attempt).Append(": ").AppendLine(e.Message).AppendLine(server.DescribeLogs());
                await server.DisposeAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                var message = $"Pebble did not become ready within {options.StartupTimeout.TotalSeconds:0.#} s " +
                    $"(attempt {attempt}; last probe: {server.lastProbeFailure ?? "none"}).{Environment.NewLine}" +
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

    /// <summary>Serves <paramref name="keyAuthorization"/> at <c>/.well-known/acme-challenge/{token}</c> on <see cref="Http01Port"/>.</summary>
    public Task AddHttp01Async(string token, string keyAuthorization, CancellationToken cancellationToken = default) =>
        PostChallengeServerAsync("add-http01", cancellationToken, ("token", token), ("content", keyAuthorization));

    /// <summary>Stops serving the HTTP-01 response for <paramref name="token"/>.</summary>
    public Task DelHttp01Async(string token, CancellationToken cancellationToken = default) =>
        PostChallengeServerAsync("del-http01", cancellationToken, ("token", token));

    /// <summary>
    /// Adds a TXT record. <paramref name="host"/> is a fully qualified name with trailing dot,
    /// e.g. <c>_acme-challenge.example.com.</c>; <paramref name="value"/> is the record text.
    /// </summary>
    public Task AddTxtAsync(string host, string value, CancellationToken cancellationToken = default) =>
        PostChallengeServerAsync("set-txt", cancellationToken, ("host", host), ("value", value));

    /// <summary>Removes all TXT records of <paramref name="host"/> (fully qualified, trailing dot).</summary>
    public Task ClearTxtAsync(string host, CancellationToken cancellationToken = default) =>
        PostChallengeServerAsync("clear-txt", cancellationToken, ("host", host));

    /// <summary>Answers TLS-ALPN-01 (acme-tls/1) handshakes for <paramref name="host"/> on <see cref="TlsAlpn01Port"/>.</summary>
    public Task AddTlsAlpn01Async(string host, string keyAuthorization, CancellationToken cancellationToken = default) =>
        PostChallengeServerAsync("add-tlsalpn01", cancellationToken, ("host", host), ("content", keyAuthorization));

    /// <summary>Stops answering TLS-ALPN-01 for <paramref name="host"/>.</summary>
    public Task DelTlsAlpn01Async(string host, CancellationToken cancellationToken = default) =>
        PostChallengeServerAsync("del-tlsalpn01", cancellationToken, ("host", host));

    /// <summary>PEM of Pebble's (randomly generated) issuance root number <paramref name="index"/> (0 = default chain).</summary>
    public Task<string> GetRootCertificatePemAsync(int index = 0, CancellationToken cancellationToken = default) =>
        GetManagementAsync($"roots/{index}", cancellationToken);

    /// <summary>PEM of Pebble's intermediate number <paramref name="index"/> (0 = default chain).</summary>
    public Task<string> GetIntermediateCertificatePemAsync(int index = 0, CancellationToken cancellationToken = default) =>
        GetManagementAsync($"intermediates/{index}", cancellationToken);

    /// <summary>
    /// Raw JSON from <c>/cert-status-by-serial/{serial}</c> (fields Certificate, Status, Serial, Reason, RevokedAt).
    /// <paramref name="serialHex"/> is the lowercase hex serial without prefix.
    /// </summary>
    public Task<string> GetCertificateStatusJsonAsync(string serialHex, CancellationToken cancellationToken = default) =>
        GetManagementAsync($"cert-status-by-serial/{serialHex}", cancellationToken);

    /// <summary>Kills both processes (whole process trees), waits for them to exit and deletes <see cref="WorkDirectory"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await Task.WhenAll(pebble.StopAsync(KillTimeout), challengeServer.StopAsync(KillTimeout)).ConfigureAwait(false);
        LiveServers.TryRemove(this, out _);
        acmeHttp.Dispose();
        plainHttp.Dispose();
        TempDirectory.TryDelete(WorkDirectory);
    }

    public override string ToString() => $"Pebble {DirectoryUrl} (challtestsrv {ChallengeServerUrl}, dns 127.0.0.1:{DnsPort})";

    internal static (string Pebble, string ChallengeServer) LocateExecutables(string? searchPath)
    {
        var pebblePath = FindOnPath("pebble", searchPath)
            ?? throw new InvalidOperationException(PebbleNotInstalledMessage);
        var challengeServerPath = FindOnPath("pebble-challtestsrv", searchPath)
            ?? throw new InvalidOperationException(ChallengeServerNotInstalledMessage);
        return (pebblePath, challengeServerPath);
    }

    private static string? FindOnPath(string name, string? searchPath)
    {
        if (string.IsNullOrEmpty(searchPath))
        {
            return null;
        }

        foreach (var directory in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate) &&
                (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
            {
                return candidate;
            }
        }

        return null;
    }

    private static PebbleServer Launch(PebbleOptions options, string pebblePath, string challengeServerPath)
    {
        var workDirectory = Directory.CreateTempSubdirectory("concorde-pebble-").FullName;
        ChildProcess? challengeServer = null;
        ChildProcess? pebble = null;
        try
        {
            var authority = TestCertificateAuthority.Create(workDirectory);
            var ports = FreePorts.Allocate(tcpCount: 5, tcpAndUdpCount: 1);
            int acme = ports.Tcp[0], management = ports.Tcp[1], http01 = ports.Tcp[2], tlsAlpn01 = ports.Tcp[3],
                challengeManagement = ports.Tcp[4], dns = ports.TcpAndUdp[0];

            var configPath = Path.Combine(workDirectory, "pebble-config.json");
            File.WriteAllBytes(configPath, BuildConfig(options, authority, acme, management, http01, tlsAlpn01));

            challengeServer = ChildProcess.Start(
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
                new Dictionary<string, string>());

            List<string> pebbleArguments = ["-config", configPath, "-dnsserver", options.DnsServer ?? $"127.0.0.1:{dns}"];
            if (options.Strict)
            {
                pebbleArguments.Add("-strict");
            }

            pebble = ChildProcess.Start(pebblePath, workDirectory, pebbleArguments, options.GetEffectiveEnvironment());

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

    private static byte[] BuildConfig(
        PebbleOptions options, TestCertificateAuthority authority, int acme, int management, int http01, int tlsAlpn01)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("pebble");
            writer.WriteString("listenAddress", $"127.0.0.1:{acme}");
            writer.WriteString("managementListenAddress", $"127.0.0.1:{management}");
            writer.WriteString("certificate", authority.LeafCertificatePemPath);
            writer.WriteString("privateKey", authority.LeafKeyPemPath);
            writer.WriteNumber("httpPort", http01);
            writer.WriteNumber("tlsPort", tlsAlpn01);
            writer.WriteString("ocspResponderURL", "");
            writer.WriteBoolean("externalAccountBindingRequired", options.RequireExternalAccountBinding);
            writer.WriteStartObject("externalAccountMACKeys");
            foreach (var (kid, key) in options.ExternalAccountMacKeys)
            {
                writer.WriteString(kid, key);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await ThrowIfFailedAsync(cancellationToken).ConfigureAwait(false);

            using var probeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            probeTimeout.CancelAfter(ProbeTimeout);
            var probe = ProbeAsync(probeTimeout.Token, cancellationToken);
            if (await Task.WhenAny(probe, pebble.Exited, challengeServer.Exited).ConfigureAwait(false) != probe)
            {
                // Do not wait for a probe that may hang on a port squatted by someone else.
                await probeTimeout.CancelAsync().ConfigureAwait(false);
                await probe.ConfigureAwait(false);
                continue;
            }

            if (await probe.ConfigureAwait(false))
            {
                // A bind failure of a challtestsrv listener is only logged (the process keeps running).
                await ThrowIfFailedAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ThrowIfFailedAsync(CancellationToken cancellationToken)
    {
        foreach (var process in new[] { pebble, challengeServer })
        {
            if (process.HasExited)
            {
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
            using (var response = await acmeHttp.GetAsync(DirectoryUrl, token).ConfigureAwait(false))
            {
                if (!response.IsSuccessStatusCode)
                {
                    lastProbeFailure = $"GET {DirectoryUrl} returned {(int)response.StatusCode}";
                    return false;
                }
            }

            using (var response = await acmeHttp.GetAsync(new Uri(ManagementUrl, "roots/0"), token).ConfigureAwait(false))
            {
                if (!response.IsSuccessStatusCode)
                {
                    lastProbeFailure = $"GET {ManagementUrl}roots/0 returned {(int)response.StatusCode}";
                    return false;
                }
            }

            // Any HTTP answer means the challtestsrv management server is up (its root path is a 404).
            using (await plainHttp.GetAsync(ChallengeServerUrl, token).ConfigureAwait(false))
            {
            }

            if (Options.ChallengeServerHandlesHttp01)
            {
                var probeToken = "pebble-server-probe-" + Guid.NewGuid().ToString("N");
                await AddHttp01Async(probeToken, probeToken + ".probe", token).ConfigureAwait(false);
                var served = await plainHttp.GetStringAsync(
                    new Uri($"http://127.0.0.1:{Http01Port}/.well-known/acme-challenge/{probeToken}"), token).ConfigureAwait(false);
                await DelHttp01Async(probeToken, token).ConfigureAwait(false);
                if (served != probeToken + ".probe")
                {
                    lastProbeFailure = $"HTTP-01 probe on port {Http01Port} returned unexpected content";
                    return false;
                }
            }

            using (var dnsTcp = new TcpClient(AddressFamily.InterNetwork))
            {
                await dnsTcp.ConnectAsync(IPAddress.Loopback, DnsPort, token).ConfigureAwait(false);
            }

            if (Options.ChallengeServerHandlesTlsAlpn01)
            {
                using var tlsAlpnTcp = new TcpClient(AddressFamily.InterNetwork);
                await tlsAlpnTcp.ConnectAsync(IPAddress.Loopback, TlsAlpn01Port, token).ConfigureAwait(false);
            }

            lastProbeFailure = null;
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or InvalidOperationException ||
                                  (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            lastProbeFailure = $"{e.GetType().Name}: {e.Message}";
            return false;
        }
    }

    private async Task PostChallengeServerAsync(
        string path, CancellationToken cancellationToken, params (string Name, string Value)[] fields)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
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
        using var response = await plainHttp.PostAsync(new Uri(ChallengeServerUrl, path), content, cancellationToken)
            .ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new InvalidOperationException(
                $"pebble-challtestsrv POST /{path} returned {(int)response.StatusCode} {body}{Environment.NewLine}{ChallengeServerLog}");
        }
    }

    private async Task<string> GetManagementAsync(string path, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        var url = new Uri(ManagementUrl, path);
        using var response = await acmeHttp.GetAsync(url, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Pebble management GET {url} returned {(int)response.StatusCode} {body}");
        }

        return body;
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

    private sealed class StartAttemptFailedException(string message) : Exception(message);

    /// <summary>A started child process whose stdout and stderr are captured into a thread-safe in-memory log.</summary>
    private sealed class ChildProcess : IDisposable
    {
        private readonly Process process;
        private readonly StringBuilder log = new();
        private readonly Lock gate = new();
        private readonly TaskCompletionSource exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private ChildProcess(Process process, string name)
        {
            this.process = process;
            Name = name;
        }

        public string Name { get; }

        public string Log
        {
            get
            {
                lock (gate)
                {
                    return log.ToString();
                }
            }
        }

        public bool HasExited
        {
            get
            {
                try
                {
                    return process.HasExited;
                }
                catch (InvalidOperationException)
                {
                    return true;
                }
            }
        }

        public int ExitCode => process.ExitCode;

        /// <summary>Completes when the process has exited.</summary>
        public Task Exited => exited.Task;

        public static ChildProcess Start(
            string fileName, string workingDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
        {
            var startInfo = new ProcessStartInfo(fileName)
            {
                UseShellExecute = false,
                CreateNoWindow = true,
                WorkingDirectory = workingDirectory,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            foreach (var argument in arguments)
            {
                startInfo.ArgumentList.Add(argument);
            }

            foreach (var name in startInfo.Environment.Keys.ToList())
            {
                if (name.StartsWith("PEBBLE_", StringComparison.Ordinal) || InheritedVariablesToDrop.Contains(name))
                {
                    startInfo.Environment.Remove(name);
                }
            }

            foreach (var (name, value) in environment)
            {
                startInfo.Environment[name] = value;
            }

            var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
            var child = new ChildProcess(process, Path.GetFileName(fileName));
            process.OutputDataReceived += (_, e) => child.Append(e.Data);
            process.ErrorDataReceived += (_, e) => child.Append(e.Data);
            process.Exited += (_, _) => child.exited.TrySetResult();
            child.Append($"$ {fileName} {string.Join(' ', startInfo.ArgumentList.Select(a => a.Length == 0 ? "\"\"" : a))}");
            foreach (var (name, value) in environment)
            {
                child.Append($"  env {name}={value}");
            }

            try
            {
                process.Start();
            }
            catch
            {
                process.Dispose();
                throw;
            }

            if (process.HasExited)
            {
                child.exited.TrySetResult();
            }

            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return child;
        }

        public string Describe()
        {
            try
            {
                return process.HasExited ? $"(pid {process.Id}, exited with {process.ExitCode})" : $"(pid {process.Id}, running)";
            }
            catch (InvalidOperationException)
            {
                return "(not started)";
            }
        }

        public Task WaitForExitAsync(CancellationToken cancellationToken) => process.WaitForExitAsync(cancellationToken);

        public void TryKill()
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // Not started or already gone.
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Exiting concurrently.
            }
        }

        public async Task StopAsync(TimeSpan timeout)
        {
            TryKill();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Append($"[fixture] {Name} did not exit within {timeout.TotalSeconds:0} s after kill");
            }
            catch (InvalidOperationException)
            {
                // Never started.
            }

            Dispose();
        }

        public void Dispose() => process.Dispose();

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (gate)
            {
                log.AppendLine(line);
            }
        }
    }
}
