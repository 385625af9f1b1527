using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Concorde.Tests.Support;

/// <summary>
/// A real nginx (Debian package nginx-light) on a free 127.0.0.1 port, run in the foreground (<c>daemon off;</c>)
/// from a temporary directory that holds its configuration, pid file and temp paths: one TLS server block serving
/// the given certificate and key files, as an administrator points nginx at shaman's files. <see cref="Command"/>
/// runs this nginx's binary with that configuration, for contrib/deploy/reload-nginx's NGINX_BIN. Dispose to kill it.
/// </summary>
internal sealed class NginxServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly TempDirectory _directory;
    private LoggedProcess? _nginx;
    private string _configuration = "";

    private NginxServer(TempDirectory directory, string address, int port)
    {
        _directory = directory;
        Address = address;
        Port = port;
    }

    /// <summary>The loopback address nginx listens on.</summary>
    public string Address { get; }

    public int Port { get; }

    /// <summary>"address:port", as shaman's "verify" names it.</summary>
    public string Endpoint => $"{Address}:{Port}";

    /// <summary>A two-line script that runs nginx with this server's prefix and configuration (-t, -s reload).</summary>
    public string Command => _directory.Combine("nginx");

    /// <summary>Everything nginx wrote so far.</summary>
    public string Log => _nginx?.Log ?? "";

    private string ConfigFile => _directory.Combine("nginx.conf");

    /// <summary>Starts nginx serving <paramref name="certificatePath"/> and <paramref name="keyPath"/>, which must
    /// exist (see <see cref="WritePlaceholder"/>), and waits until it accepts connections. Retries with a new port
    /// when the chosen one was taken in the meantime.</summary>
    public static Task<NginxServer> StartAsync(string certificatePath, string keyPath, CancellationToken ct) =>
        StartAsync(FreePorts.GetTcpPort, () => "127.0.0.1", server => $"""
            listen {server.Endpoint} ssl;
            ssl_certificate {certificatePath};
            ssl_certificate_key {keyPath};
            return 200 "ok\n";
            """, ct);

    /// <summary>Starts nginx serving a placeholder certificate from the files shaman will write for <paramref name="name"/>
    /// in <paramref name="profile"/>, as an administrator sets nginx up before the first run.</summary>
    public static Task<NginxServer> StartForAsync(ShamanProfile profile, string name, CancellationToken ct)
    {
        var certificatePath = profile.PathOf(ShamanProfile.CertificateFile(name));
        var keyPath = profile.PathOf(ShamanProfile.KeyFile(name));
        WritePlaceholder(certificatePath, keyPath, name);
        return StartAsync(certificatePath, keyPath, ct);
    }

    /// <summary>Starts nginx serving the files under <paramref name="webroot"/> over plain HTTP on port 80 of a
    /// loopback address of its own (127.x.y.z, chosen at random; another one when that one was taken), as an
    /// http-01 validation reaches a web server. Port 80 needs root.</summary>
    public static Task<NginxServer> StartWebrootAsync(string webroot, CancellationToken ct) =>
        StartAsync(() => 80, () => $"127.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(2, 255)}",
            server => $"listen {server.Endpoint};\nroot {webroot};", ct);

    private static Task<NginxServer> StartAsync(Func<int> port, Func<string> address, Func<NginxServer, string> serverBlock, CancellationToken ct) =>
        FreePortStart.StartAsync("nginx",
            () =>
            {
                var chosen = (Address: address(), Port: port());
                return new NginxServer(new TempDirectory("concorde-nginx-"), chosen.Address, chosen.Port);
            },
            server =>
            {
                server.WriteConfiguration(serverBlock(server));
                server.StartNginx();
                return server.WaitUntilServingAsync(ct);
            },
            server => (server.Port, server.Log));

    /// <summary>A self-signed certificate for <paramref name="name"/> and its P-384 key, written where nginx will
    /// look: what a server serves before its first real certificate.</summary>
    public static void WritePlaceholder(string certificatePath, string keyPath, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA384);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
    }

    /// <summary>The leaf nginx serves for <paramref name="serverName"/> (SNI), read by a TLS client of the test's own.</summary>
    public async Task<X509Certificate2> ServedCertificateAsync(string serverName, CancellationToken ct)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(Address, Port, ct);
        await using var tls = new SslStream(tcp.GetStream());
        X509Certificate2? leaf = null;
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                leaf = certificate is null ? null : new X509Certificate2(certificate);
                return true;
            },
        }, ct);
        return leaf ?? throw new InvalidOperationException($"nginx on {Endpoint} sent no certificate");
    }

    /// <summary>Waits until nginx serves the certificate with <paramref name="serial"/>: its workers reload asynchronously.</summary>
    public Task WaitUntilServingAsync(string serverName, string serial, CancellationToken ct) =>
        Eventually.WaitUntilAsync(async () =>
        {
            using var served = await ServedCertificateAsync(serverName, ct);
            return served.SerialNumber == serial;
        }, StartTimeout, $"nginx on {Endpoint} to serve serial {serial}", ct);

    /// <summary>Stops nginx; a later `nginx -s reload` then fails as it does on a server where nginx is down.</summary>
    public async Task StopAsync()
    {
        if (_nginx is not null) await _nginx.StopAsync(TimeSpan.FromSeconds(10));
        _nginx = null;
        File.Delete(_directory.Combine("nginx.pid"));
    }

    /// <summary>Makes `nginx -t` fail, as a typo in another site's configuration does; the running nginx keeps the
    /// configuration it loaded.</summary>
    public void BreakConfiguration() => File.WriteAllText(ConfigFile, _configuration + "this is not a directive;\n");

    /// <summary>Undoes <see cref="BreakConfiguration"/>.</summary>
    public void RepairConfiguration() => File.WriteAllText(ConfigFile, _configuration);

    private static string Locate()
    {
        foreach (var path in new[] { "/usr/sbin/nginx", "/usr/bin/nginx" })
            if (File.Exists(path)) return path;
        throw new InvalidOperationException("nginx is not installed: apt-get install -y nginx-light (./build.sh test installs it when run as root)");
    }

    /// <summary>Nothing outside the directory: pid, temp paths and logs inside it (errors also to stderr), no access log.</summary>
    private void WriteConfiguration(string serverBlock)
    {
        var directory = _directory.Path;
        Directory.CreateDirectory(_directory.Combine("temp"));
        _configuration = $$"""
            daemon off;
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log stderr notice;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path {{directory}}/temp/body;
                proxy_temp_path {{directory}}/temp/proxy;
                fastcgi_temp_path {{directory}}/temp/fastcgi;
                uwsgi_temp_path {{directory}}/temp/uwsgi;
                scgi_temp_path {{directory}}/temp/scgi;
                server {
            {{serverBlock}}
                }
            }

            """.ReplaceLineEndings("\n");
        File.WriteAllText(ConfigFile, _configuration);
        File.WriteAllText(Command, $"#!/bin/sh\nexec {Locate()} -p '{directory}/' -c '{ConfigFile}' \"$@\"\n");
        File.SetUnixFileMode(Command, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private void StartNginx() =>
        _nginx = LoggedProcess.Start(Command, _directory.Path, [], new Dictionary<string, string>(), dropInherited: _ => false);

    /// <summary>True once the port accepts connections; false when nginx could not bind it (the caller retries).</summary>
    private async Task<bool> WaitUntilServingAsync(CancellationToken ct)
    {
        var nginx = _nginx ?? throw new InvalidOperationException("nginx was not started");
        await Eventually.WaitUntilAsync(async () => nginx.HasExited || await TcpProbe.AcceptsAsync(Address, Port, ct), StartTimeout,
            "nginx to accept connections or exit", ct);
        if (!nginx.HasExited) return true;
        if (Log.Contains("Address already in use", StringComparison.Ordinal)) return false;
        throw new InvalidOperationException($"nginx exited with {nginx.ExitCode} while starting:{Environment.NewLine}{Log}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _directory.Dispose();
        }
    }
}
