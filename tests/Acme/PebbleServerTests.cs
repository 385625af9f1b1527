using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

public sealed class PebbleServerTests(PebbleFixture fixture) : IClassFixture<PebbleFixture>
{
    private static CancellationToken Timeout(out CancellationTokenSource cts)
    {
        cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return cts.Token;
    }

    private static async Task<JsonDocument> GetDirectoryAsync(PebbleServer server, CancellationToken ct)
    {
        using var http = server.CreateTrustingHttpClient();
        await using var stream = await http.GetStreamAsync(server.DirectoryUrl, ct);
        return await JsonDocument.ParseAsync(stream, cancellationToken: ct);
    }

    [Fact]
    public async Task FixtureStartsAndDirectoryHasCoreResources()
    {
        var ct = Timeout(out var cts);
        using var _ = cts;
        var server = fixture.Server;

        using var directory = await GetDirectoryAsync(server, ct);

        foreach (var name in new[] { "newNonce", "newAccount", "newOrder" })
        {
            Assert.True(directory.RootElement.TryGetProperty(name, out var url), $"directory lacks {name}");
            var uri = new Uri(url.GetString()!);
            Assert.Equal("https", uri.Scheme);
            Assert.Equal(server.AcmePort, uri.Port);
            Assert.True(IPAddress.IsLoopback(IPAddress.Parse(uri.Host)));
        }

        Assert.True(File.Exists(server.CaBundlePath));
        Assert.StartsWith(server.WorkDirectory, server.CaBundlePath, StringComparison.Ordinal);
        Assert.Contains("ACME directory available", server.PebbleLog, StringComparison.Ordinal);
        Assert.Contains("Starting management server", server.ChallengeServerLog, StringComparison.Ordinal);
        Assert.False(
            directory.RootElement.TryGetProperty("meta", out var meta) &&
            meta.TryGetProperty("externalAccountRequired", out var required) &&
            required.GetBoolean());
    }

    [Fact]
    public async Task TwoServersRunSideBySideOnDifferentPorts()
    {
        var ct = Timeout(out var cts);
        using var _ = cts;

        var servers = await Task.WhenAll(PebbleServer.StartAsync(ct), PebbleServer.StartAsync(ct));
        await using var first = servers[0];
        await using var second = servers[1];

        int[] Ports(PebbleServer s) =>
            [s.AcmePort, s.ManagementPort, s.Http01Port, s.TlsAlpn01Port, s.DnsPort, s.ChallengeServerManagementPort];
        var all = Ports(first).Concat(Ports(second)).ToArray();
        Assert.Equal(all.Length, all.Distinct().Count());
        Assert.NotEqual(first.WorkDirectory, second.WorkDirectory);

        using var firstDirectory = await GetDirectoryAsync(first, ct);
        using var secondDirectory = await GetDirectoryAsync(second, ct);
        Assert.Equal(first.AcmePort, new Uri(firstDirectory.RootElement.GetProperty("newOrder").GetString()!).Port);
        Assert.Equal(second.AcmePort, new Uri(secondDirectory.RootElement.GetProperty("newOrder").GetString()!).Port);

        // Each server trusts only its own CA.
        using var wrongTrust = first.CreateTrustingHttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => wrongTrust.GetAsync(second.DirectoryUrl, ct));
    }

    [Fact]
    public async Task Http01PublishedThroughChallengeServerIsServedOnHttp01Port()
    {
        var ct = Timeout(out var cts);
        using var _ = cts;
        var server = fixture.Server;
        var token = "tok-" + Guid.NewGuid().ToString("N");
        var keyAuthorization = token + ".thumbprint";
        var url = new Uri($"http://127.0.0.1:{server.Http01Port}/.well-known/acme-challenge/{token}");
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });

        await server.ChallengeServer.AddHttp01Async(token, keyAuthorization, ct);
        Assert.Equal(keyAuthorization, await http.GetStringAsync(url, ct));

        // challtestsrv answers unknown tokens with an empty 200.
        await server.ChallengeServer.DelHttp01Async(token, ct);
        Assert.Equal(string.Empty, await http.GetStringAsync(url, ct));
        await AssertLogEventuallyContainsAsync(() => server.ChallengeServerLog, [$"Added HTTP-01 challenge for token \"{token}\""], ct);
    }

    [Fact]
    public async Task TxtAndTlsAlpn01ManagementCallsAreAccepted()
    {
        var ct = Timeout(out var cts);
        using var _ = cts;
        var server = fixture.Server;
        var host = $"_acme-challenge.{Guid.NewGuid():N}.example.com.";

        await server.ChallengeServer.AddTxtAsync(host, "txt-value", ct);
        await server.ChallengeServer.ClearTxtAsync(host, ct);
        await server.ChallengeServer.AddTlsAlpn01Async("alpn.example.com", "key.auth", ct);
        await server.ChallengeServer.DelTlsAlpn01Async("alpn.example.com", ct);

        string[] expected =
        [
            $"Added DNS-01 TXT challenge for Host \"{host}\"",
            $"Removed DNS-01 TXT challenge for Host \"{host}\"",
            "Added TLS-ALPN-01 challenge for host \"alpn.example.com\"",
            "Removed TLS-ALPN-01 challenge for host \"alpn.example.com\"",
        ];
        await AssertLogEventuallyContainsAsync(() => server.ChallengeServerLog, expected, ct);
    }

    /// <summary>The logs are read from the processes' output in the background: the last lines may need a moment.</summary>
    private static Task AssertLogEventuallyContainsAsync(Func<string> log, string[] expected, CancellationToken ct) =>
        Eventually.WaitUntilAsync(() => expected.All(line => log().Contains(line, StringComparison.Ordinal)), TimeSpan.FromSeconds(10),
            $"the log to contain{Environment.NewLine}{string.Join(Environment.NewLine, expected)}", ct);

    [Fact]
    public async Task EabRequiredServerAdvertisesExternalAccountRequired()
    {
        var ct = Timeout(out var cts);
        using var _ = cts;
        await using var server = await PebbleServer.StartAsync(
            new PebbleOptions { RequireExternalAccountBinding = true }, ct);

        using var directory = await GetDirectoryAsync(server, ct);

        Assert.True(directory.RootElement.GetProperty("meta").GetProperty("externalAccountRequired").GetBoolean());
        var config = await File.ReadAllTextAsync(Path.Combine(server.WorkDirectory, "pebble-config.json"), ct);
        Assert.Contains("\"kid-1\": \"zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W\"", config, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlyTheGeneratedCaIsTrusted()
    {
        var ct = Timeout(out var cts);
        using var _ = cts;
        using var systemTrust = new HttpClient(new SocketsHttpHandler { UseProxy = false });

        await Assert.ThrowsAsync<HttpRequestException>(() => systemTrust.GetAsync(fixture.Server.DirectoryUrl, ct));

        using var trusting = fixture.Server.CreateTrustingHttpClient();
        using var viaLocalhost = await trusting.GetAsync(
            new UriBuilder(fixture.Server.DirectoryUrl) { Host = "localhost" }.Uri, ct);
        Assert.True(viaLocalhost.IsSuccessStatusCode);
    }

    [Fact]
    public async Task ManagementServesIssuanceRootAndIntermediate()
    {
        var ct = Timeout(out var cts);
        using var _ = cts;

        using var root = X509Certificate2.CreateFromPem(await fixture.Server.Management.GetRootCertificatePemAsync(0, ct));
        using var intermediate = X509Certificate2.CreateFromPem(await fixture.Server.Management.GetIntermediateCertificatePemAsync(0, ct));

        Assert.StartsWith("CN=Pebble Root CA", root.Subject, StringComparison.Ordinal);
        Assert.Equal(root.Subject, intermediate.Issuer);
    }

    [Fact]
    public async Task DisposeKillsProcessesAndDeletesWorkDirectory()
    {
        var ct = Timeout(out var cts);
        using var _ = cts;
        var server = await PebbleServer.StartAsync(ct);
        var workDirectory = server.WorkDirectory;
        var port = server.AcmePort;

        await server.DisposeAsync();
        await server.DisposeAsync(); // idempotent

        Assert.False(Directory.Exists(workDirectory));
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, port, ct).AsTask());
        Assert.NotEmpty(server.PebbleLog);
    }

    [Fact]
    public void MissingBinariesFailLoudly()
    {
        var error = Assert.Throws<InvalidOperationException>(() => PebbleExecutables.Locate("/nonexistent-dir"));
        Assert.Equal("pebble is not installed: apt-get install -y pebble", error.Message);
        Assert.Throws<InvalidOperationException>(() => PebbleExecutables.Locate(null));
    }

    [Fact]
    public void OptionsDefaultToNoSleepAndNoNonceRejectionUnlessOverridden()
    {
        var defaults = PebbleOptions.Default.GetEffectiveEnvironment();
        Assert.Equal("1", defaults["PEBBLE_VA_NOSLEEP"]);
        Assert.Equal("0", defaults["PEBBLE_WFE_NONCEREJECT"]);

        var overridden = new PebbleOptions
        {
            EnvironmentVariables = new Dictionary<string, string> { ["PEBBLE_WFE_NONCEREJECT"] = "100", ["PEBBLE_AUTHZREUSE"] = "0" },
        }.GetEffectiveEnvironment();
        Assert.Equal("100", overridden["PEBBLE_WFE_NONCEREJECT"]);
        Assert.Equal("0", overridden["PEBBLE_AUTHZREUSE"]);
        Assert.Equal("1", overridden["PEBBLE_VA_NOSLEEP"]);
    }

    [Fact]
    public void TestCaIssuesALocalhostLeafThatChainsToIt()
    {
        using var dir = new TempDirectory();
        var authority = TestCertificateAuthority.Create(dir.Path);
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(authority.CaPemPath));
        using var leaf = X509Certificate2.CreateFromPemFile(authority.LeafCertificatePemPath, authority.LeafKeyPemPath);

        Assert.True(leaf.HasPrivateKey);
        Assert.True(ca.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.True(leaf.MatchesHostname("localhost"));
        Assert.True(leaf.MatchesHostname("127.0.0.1"));
        Assert.True(leaf.MatchesHostname("::1"));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
        Assert.True(chain.Build(leaf), string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public void FreePortsAreDistinctAndBindable()
    {
        var allocation = FreePorts.Allocate(tcpCount: 4, tcpAndUdpCount: 2);
        var all = allocation.Tcp.Concat(allocation.TcpAndUdp).ToArray();
        Assert.Equal(6, all.Distinct().Count());
        foreach (var port in allocation.TcpAndUdp)
        {
            using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
            var tcp = new TcpListener(IPAddress.Loopback, port);
            tcp.Start();
            tcp.Stop();
        }
    }
}
