using System.Globalization;
using Concorde.Tests.Support;

namespace Concorde.Tests.Caddy;

/// <summary>
/// A second, independent ACME CA: Caddy's <c>acme_server</c> (Debian package caddy, 2.6, built on smallstep) on a
/// free 127.0.0.1 port, run from a temporary directory that holds its storage (<c>pki/authorities/local</c>), with
/// the admin API off and nothing installed into the system's trust. It issues 12-hour certificates and validates
/// http-01 on port 80 of the name. Dispose to kill it.
/// </summary>
internal sealed class CaddyAcmeServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory;
    private LoggedProcess? _caddy;

    private CaddyAcmeServer(TempDirectory directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string DirectoryUrl => $"https://127.0.0.1:{Port}/acme/local/directory";

    /// <summary>The CA's root certificate, for shaman's "caBundle".</summary>
    public string RootCertificate => _directory.Combine("storage/pki/authorities/local/root.crt");

    public string Log => _caddy?.Log ?? "";

    public static Task<CaddyAcmeServer> StartAsync(CancellationToken ct) =>
        FreePortStart.StartAsync("caddy",
            () =>
            {
                var port = FreePorts.GetTcpPort();
                return new CaddyAcmeServer(new TempDirectory("concorde-caddy-"), port);
            },
            server => server.StartCaddyAsync(ct),
            server => (server.Port, server.Log));

    private async Task<bool> StartCaddyAsync(CancellationToken ct)
    {
        var caddyfile = _directory.Combine("Caddyfile");
        var port = Port.ToString(CultureInfo.InvariantCulture);
        // http_port is never used (the site is https only) but must not be 80, which the validation's nginx holds.
        File.WriteAllText(caddyfile, $$"""
            {
                admin off
                skip_install_trust
                storage file_system {{_directory.Combine("storage")}}
                http_port {{FreePorts.GetTcpPort().ToString(CultureInfo.InvariantCulture)}}
                https_port {{port}}
                local_certs
            }
            https://127.0.0.1:{{port}} {
                tls internal
                acme_server
            }

            """.ReplaceLineEndings("\n"));
        var home = _directory.Path;
        _caddy = LoggedProcess.Start(Locate(), home, ["run", "--config", caddyfile, "--adapter", "caddyfile"],
            new Dictionary<string, string> { ["HOME"] = home, ["XDG_DATA_HOME"] = home, ["XDG_CONFIG_HOME"] = home },
            dropInherited: _ => false);
        var caddy = _caddy;
        await Eventually.WaitUntilAsync(async () => caddy.HasExited || (File.Exists(RootCertificate) && await TcpProbe.AcceptsAsync("127.0.0.1", Port, ct)),
            StartTimeout, "caddy to serve its ACME directory or exit", ct);
        if (!caddy.HasExited) return true;
        if (Log.Contains("address already in use", StringComparison.Ordinal)) return false;
        throw new InvalidOperationException($"caddy exited with {caddy.ExitCode} while starting:{Environment.NewLine}{Log}");
    }

    private static string Locate() =>
        File.Exists("/usr/bin/caddy")
            ? "/usr/bin/caddy"
            : throw new InvalidOperationException("caddy is not installed: apt-get install -y caddy (./build.sh test installs it when run as root)");
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_caddy is not null) await _caddy.StopAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            _directory.Dispose();
        }
    }
}
