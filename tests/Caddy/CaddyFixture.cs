using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Caddy;

/// <summary>Caddy's ACME server, and a real nginx serving a webroot on port 80 of a loopback address of its own, which
/// the test names resolve to through /etc/hosts entries this fixture adds (and removes): Caddy validates http-01 at
/// port 80 of the name, as a public CA does. Needs root (port 80, /etc/hosts), as the suite runs in CI.</summary>
public sealed class CaddyFixture : IAsyncLifetime
{
    private const string HostsFile = "/etc/hosts";
    private readonly string _marker = $"# concorde-test {Guid.NewGuid():N}";
    private readonly TempDirectory _webroot = new("concorde-caddy-webroot-");
    private CaddyAcmeServer? _caddy;
    private NginxServer? _nginx;

    /// <summary>Names under .test (RFC 6761, never in the public DNS) that resolve to the webroot's nginx.</summary>
    public IReadOnlyList<string> Names { get; } =
        [.. Enumerable.Range(1, 4).Select(i => $"n{i}-{Guid.NewGuid().ToString("N")[..8]}.concorde.test")];

    internal CaddyAcmeServer Caddy => _caddy ?? throw new InvalidOperationException("not initialized");
    public string Webroot => _webroot.Path;

    public async Task InitializeAsync()
    {
        if (Environment.UserName != "root")
            throw new InvalidOperationException("the Caddy interop tests need root: nginx on port 80 and names in /etc/hosts " +
                                                "(run ./build.sh test as root, as CI does)");
        File.SetUnixFileMode(_webroot.Path, (UnixFileMode)0b111_101_101);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _nginx = await NginxServer.StartWebrootAsync(_webroot.Path, timeout.Token);
        File.AppendAllText(HostsFile, $"{_nginx.Address} {string.Join(' ', Names)} {_marker}\n");
        _caddy = await CaddyAcmeServer.StartAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        // Rewritten in place: /etc/hosts is often a bind mount, which a rename cannot replace.
        if (File.Exists(HostsFile) && File.ReadAllText(HostsFile).Contains(_marker, StringComparison.Ordinal))
            File.WriteAllLines(HostsFile, File.ReadAllLines(HostsFile).Where(l => !l.Contains(_marker, StringComparison.Ordinal)));
        if (_caddy is not null) await _caddy.DisposeAsync();
        if (_nginx is not null) await _nginx.DisposeAsync();
        _webroot.Dispose();
    }
}
