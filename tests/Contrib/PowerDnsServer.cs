using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Concorde.Tests.Support;

namespace Concorde.Tests.Contrib;

/// <summary>
/// A real PowerDNS Authoritative Server (<c>pdns_server</c>, Debian packages pdns-server and pdns-backend-sqlite3) run
/// as the current user from a temporary directory: DNS on a free loopback port, its HTTP API (the one dns-lexicon's
/// powerdns provider drives) on another, an SQLite database made from the package's schema, and <see cref="Zone"/>
/// created through the API. No cache, so every answer shows the database as it is; queries are logged.
/// Dispose to kill it and delete the directory.
/// </summary>
public sealed class PowerDnsServer : ITestDnsServer<PowerDnsServer>
{
    /// <summary>A zone below a public suffix the way a customer's zone at a hosted provider is, and delegated
    /// from example.com, so that lexicon must be told the zone (--delegated).</summary>
    public const string Zone = "pdns.example.com";
    private const string SchemaFile = "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly TempDirectory _directory;
    private LoggedProcess? _pdns;

    private PowerDnsServer(TempDirectory directory, int dnsPort, int apiPort)
    {
        _directory = directory;
        Port = dnsPort;
        ApiPort = apiPort;
    }

    /// <summary>The UDP and TCP port of the DNS service on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The TCP port of the HTTP API on 127.0.0.1.</summary>
    public int ApiPort { get; }

    /// <summary>"127.0.0.1:port", for <c>pebble -dnsserver</c>.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>The API's base URL, lexicon's <c>--pdns-server</c>.</summary>
    public string ApiUrl => $"http://127.0.0.1:{ApiPort}";

    /// <summary>The API key (lexicon's <c>--auth-token</c>), so tests can check it is never printed.</summary>
    public string ApiKey { get; } = $"pdns-api-{Guid.NewGuid():N}";

    /// <summary>Everything pdns_server wrote so far, its query log included.</summary>
    public string Log => _pdns?.Log ?? "";

    /// <summary>Makes the database and configuration, starts pdns_server, waits until both ports serve and creates
    /// <see cref="Zone"/>. Retries with new ports when a chosen one was taken in the meantime.</summary>
    public static Task<PowerDnsServer> StartAsync(CancellationToken ct) =>
        FreePortStart.StartAsync("pdns_server",
            () =>
            {
                var ports = FreePorts.Allocate(tcpCount: 1, tcpAndUdpCount: 1);
                return new PowerDnsServer(new TempDirectory("concorde-pdns-"), ports.TcpAndUdp[0], ports.Tcp[0]);
            },
            async server =>
            {
                await server.WriteConfigurationAsync(ct);
                server.StartPdns();
                if (!await server.WaitUntilServingAsync(ct)) return false;
                await server.CreateZoneAsync(ct);
                return true;
            },
            server => (server.Port, server.Log));

    /// <summary>The TXT strings at <paramref name="name"/> as this server answers them (dig +short, quotes removed).</summary>
    public Task<IReadOnlyList<string>> QueryTxtAsync(string name, CancellationToken ct) => DnsLookup.TxtAsync(Port, name, ct);

    /// <summary>Whether the query log shows a TXT query for <paramref name="name"/> (pdns: "wants 'name|TXT'").</summary>
    public bool WasAskedForTxt(string name) => Log.Contains($"wants '{name}|TXT'", StringComparison.OrdinalIgnoreCase);

    /// <summary>What contrib/authenticators/dns01-lexicon needs to publish here through lexicon's powerdns provider and
    /// to look up the zone, its NS record and that server's address here too (as the system's resolver would); lexicon's
    /// public suffix cache stays in the server's directory.</summary>
    public Dictionary<string, string> Dns01LexiconEnvironment() => new()
    {
        ["LEXICON_PROVIDER"] = "powerdns",
        ["LEXICON_POWERDNS_AUTH_TOKEN"] = ApiKey,
        ["LEXICON_POWERDNS_PDNS_SERVER"] = ApiUrl,
        ["DNS01_LEXICON_RESOLVER"] = "127.0.0.1",
        ["DNS01_LEXICON_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["DNS01_LEXICON_WAIT"] = "10",
        ["TLDEXTRACT_CACHE_PATH"] = _directory.Combine("tldextract"),
    };

    private void StartPdns() =>
        _pdns = LoggedProcess.Start(ContribScript.Locate("pdns_server", "pdns-server"), _directory.Path,
            [$"--config-dir={_directory.Path}"], new Dictionary<string, string>(), dropInherited: _ => false);

    private async Task WriteConfigurationAsync(CancellationToken ct)
    {
        var database = _directory.Combine("pdns.sqlite3");
        var schema = await File.ReadAllTextAsync(SchemaFile, ct);
        (await ContribScript.RunAsync(ContribScript.Locate("sqlite3", "sqlite3"), schema, new Dictionary<string, string>(), ct, database))
            .Succeeded();
        // Loopback only, no daemon or guardian, no syslog, no caches; the control socket stays in the directory.
        await File.WriteAllTextAsync(_directory.Combine("pdns.conf"), $"""
            launch=gsqlite3
            gsqlite3-database={database}
            local-address=127.0.0.1
            local-port={Port}
            socket-dir={_directory.Path}
            daemon=no
            guardian=no
            disable-syslog=yes
            api=yes
            api-key={ApiKey}
            webserver=yes
            webserver-address=127.0.0.1
            webserver-port={ApiPort}
            webserver-allow-from=127.0.0.0/8
            cache-ttl=0
            negquery-cache-ttl=0
            query-cache-ttl=0
            log-dns-queries=yes
            loglevel=6

            """, ct);
    }

    /// <summary>True once the DNS and the API ports accept connections; false when one could not be bound (the caller
    /// retries).</summary>
    private async Task<bool> WaitUntilServingAsync(CancellationToken ct)
    {
        var pdns = _pdns ?? throw new InvalidOperationException("pdns_server was not started");
        var serving = false;
        await Eventually.WaitUntilAsync(async () => CouldNotBind(Log) || pdns.HasExited ||
            (serving = await TcpProbe.AcceptsAsync("127.0.0.1", Port, ct) && await TcpProbe.AcceptsAsync("127.0.0.1", ApiPort, ct)),
            StartTimeout, "pdns_server to serve DNS and its API, or fail", ct);
        if (serving) return true;
        if (CouldNotBind(Log)) return false;
        throw new InvalidOperationException($"pdns_server exited with {pdns.ExitCode} while starting:{Environment.NewLine}{Log}");
    }

    private static bool CouldNotBind(string log) => log.Contains("in use", StringComparison.OrdinalIgnoreCase);

    /// <summary>The zone with its SOA and NS records, its name server's address inside it (RFC 1034 glue).</summary>
    private async Task CreateZoneAsync(CancellationToken ct)
    {
        static JsonObject RecordSet(string name, string type, string content) => new()
        {
            ["name"] = name,
            ["type"] = type,
            ["ttl"] = 60,
            ["records"] = new JsonArray(new JsonObject { ["content"] = content, ["disabled"] = false }),
        };
        var zone = new JsonObject
        {
            ["name"] = $"{Zone}.",
            ["kind"] = "Native",
            ["nameservers"] = new JsonArray(),
            ["rrsets"] = new JsonArray(
                RecordSet($"{Zone}.", "SOA", $"ns.{Zone}. hostmaster.{Zone}. 1 3600 600 86400 60"),
                RecordSet($"{Zone}.", "NS", $"ns.{Zone}."),
                RecordSet($"ns.{Zone}.", "A", "127.0.0.1")),
        };
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{ApiUrl}/api/v1/servers/localhost/zones")
        {
            Content = new StringContent(zone.ToJsonString(), MediaTypeHeaderValue.Parse("application/json")),
        };
        request.Headers.Add("X-API-Key", ApiKey);
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException(
                $"creating {Zone} through the PowerDNS API answered {(int)response.StatusCode}: " +
                $"{await response.Content.ReadAsStringAsync(ct)}{Environment.NewLine}{Log}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_pdns is not null) await _pdns.StopAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            _directory.Dispose();
        }
    }
}
