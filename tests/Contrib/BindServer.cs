using Concorde.Tests.Support;

namespace Concorde.Tests.Contrib;

/// <summary>
/// A real BIND 9 (<c>named</c>, Debian package bind9) on a free loopback port, run as the current user from a
/// temporary directory: authoritative for <see cref="Zone"/>, which accepts RFC 2136 updates of TXT records signed
/// with the TSIG key in <see cref="KeyFile"/> (made by <c>tsig-keygen</c>). No recursion, no rndc control channel, no IPv6.
/// Dispose to kill it and delete the directory.
/// </summary>
public sealed class BindServer : ITestDnsServer<BindServer>
{
    public const string Zone = "test.example";
    public const string KeyName = "concorde-contrib-test";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly TempDirectory _directory;
    private LoggedProcess? _named;

    private BindServer(TempDirectory directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    /// <summary>The UDP and TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>"127.0.0.1:port", for <c>pebble -dnsserver</c>.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>The TSIG key file (BIND's <c>key "…" { algorithm …; secret "…"; };</c>), readable by nsupdate -k.</summary>
    public string KeyFile => _directory.Combine("tsig.key");

    /// <summary>The base64 secret of <see cref="KeyFile"/>, so tests can check it is never printed.</summary>
    public string KeySecret { get; private set; } = "";

    /// <summary>Everything named wrote so far.</summary>
    public string Log => _named?.Log ?? "";

    private string ConfigFile => _directory.Combine("named.conf");

    /// <summary>Generates the key, zone and configuration, starts named and waits until it serves the zone. Retries
    /// with a new port when the chosen one was taken in the meantime.</summary>
    public static Task<BindServer> StartAsync(CancellationToken ct) =>
        FreePortStart.StartAsync("named",
            () =>
            {
                var port = FreePorts.GetTcpAndUdpPort();
                return new BindServer(new TempDirectory("concorde-bind-"), port);
            },
            async server =>
            {
                await server.WriteConfigurationAsync(ct);
                server.StartNamed();
                return await server.WaitUntilServingAsync(ct);
            },
            server => (server.Port, server.Log));

    /// <summary>The TXT strings at <paramref name="name"/> as this server answers them (dig +short, quotes removed).</summary>
    public Task<IReadOnlyList<string>> QueryTxtAsync(string name, CancellationToken ct) => DnsLookup.TxtAsync(Port, name, ct);

    /// <summary>-g: foreground, log to stderr; -p: the port (listen-on in the config names it too).</summary>
    private void StartNamed() =>
        _named = LoggedProcess.Start(ContribScript.Locate("named", "bind9"), _directory.Path,
            ["-g", "-c", ConfigFile, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            new Dictionary<string, string>(), dropInherited: _ => false);

    private async Task WriteConfigurationAsync(CancellationToken ct)
    {
        var keygen = await ContribScript.RunAsync(ContribScript.Locate("tsig-keygen", "bind9"), stdin: "", new Dictionary<string, string>(), ct,
            "-a", "hmac-sha256", KeyName);
        if (keygen.ExitCode != 0) throw new InvalidOperationException($"tsig-keygen failed:{Environment.NewLine}{keygen}");
        await File.WriteAllTextAsync(KeyFile, keygen.Stdout, ct);
        File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var secret = keygen.Stdout.Split('"').SkipWhile(part => !part.TrimEnd().EndsWith("secret", StringComparison.Ordinal)).Skip(1).FirstOrDefault();
        KeySecret = secret is { Length: > 0 } ? secret : throw new InvalidOperationException($"no secret in tsig-keygen's output");

        await File.WriteAllTextAsync(_directory.Combine("zone.db"), $"""
            $TTL 60
            @   IN SOA ns.{Zone}. hostmaster.{Zone}. 1 3600 600 86400 60
            @   IN NS  ns.{Zone}.
            ns  IN A   127.0.0.1

            """, ct);
        // Only 127.0.0.1, no recursion, no control channel (controls { }), nothing written outside the directory;
        // queries are logged so a test can see who asked for what.
        await File.WriteAllTextAsync(ConfigFile, $$"""
            options {
                directory "{{_directory.Path}}";
                pid-file none;
                session-keyfile none;
                listen-on port {{Port}} { 127.0.0.1; };
                listen-on-v6 { none; };
                recursion no;
                querylog yes;
                notify no;
                dnssec-validation no;
                allow-query { 127.0.0.1; };
            };
            controls { };
            include "{{KeyFile}}";
            zone "{{Zone}}" {
                type primary;
                file "{{_directory.Combine("zone.db")}}";
                update-policy { grant {{KeyName}} zonesub TXT; };
            };

            """, ct);
    }

    /// <summary>True once named reports "running"; false when it could not bind its port (the caller retries).</summary>
    private async Task<bool> WaitUntilServingAsync(CancellationToken ct)
    {
        var named = _named ?? throw new InvalidOperationException("named was not started");
        await Eventually.WaitUntilAsync(() => CouldNotBind(Log) || IsRunning(Log) || named.HasExited, StartTimeout,
            "named to report \"running\" or fail", ct);
        var log = Log;
        if (CouldNotBind(log)) return false;
        if (IsRunning(log)) return true;
        throw new InvalidOperationException(
            $"named exited with {named.ExitCode} while starting (with AppArmor enforcing, its profile may forbid " +
            $"the temporary directory):{Environment.NewLine}{log}");
    }

    private static bool CouldNotBind(string log) =>
        log.Contains("address in use", StringComparison.OrdinalIgnoreCase) || log.Contains("could not listen", StringComparison.Ordinal);

    /// <summary>named -g logs "&lt;timestamp&gt; running" once every zone is loaded and every listener is up.</summary>
    private static bool IsRunning(string log) =>
        log.Split('\n').Any(line => line.TrimEnd().EndsWith(" running", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_named is not null) await _named.StopAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            _directory.Dispose();
        }
    }
}
