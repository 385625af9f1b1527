using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Contrib;

/// <summary>contrib/deploy/reload-nginx, run as shaman runs a deploy hook, against a real nginx serving a certificate
/// file: a new pair is tested with `nginx -t` and served after the reload; a pair nginx cannot load stops the reload
/// and the old certificate stays served; a reload of an nginx that is not running fails the hook.</summary>
public sealed class ReloadNginxServerTests : IAsyncLifetime
{
    private const string Domain = "example.com";
    private readonly TempDirectory _directory = new("concorde-reload-nginx-");
    private NginxServer? _nginx;
    private X509Certificate2? _served;

    private string CertificatePath => _directory.Combine($"{Domain}.cert.pub.pem");
    private string KeyPath => _directory.Combine($"{Domain}.key.priv.pem");
    private NginxServer Nginx => _nginx ?? throw new InvalidOperationException("not initialized");

    public async Task InitializeAsync()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        NginxServer.WritePlaceholder(CertificatePath, KeyPath, Domain);
        _nginx = await NginxServer.StartAsync(CertificatePath, KeyPath, ct);
        _served = await _nginx.ServedCertificateAsync(Domain, ct);
    }

    [Fact]
    public async Task Tests_the_configuration_then_reloads_with_a_signal_so_nginx_serves_the_new_certificate()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        NginxServer.WritePlaceholder(CertificatePath, KeyPath, Domain);
        using var renewed = X509Certificate2.CreateFromPem(File.ReadAllText(CertificatePath));

        var run = (await RunAsync("signal", ct)).Succeeded();

        Assert.Equal($"{Domain}: nginx reloaded with {CertificatePath}", run.Stdout.Trim());
        await Nginx.WaitUntilServingAsync(Domain, renewed.SerialNumber, ct);
    }

    [Theory]
    [InlineData("signal")]
    [InlineData("systemctl")]
    public async Task A_pair_nginx_cannot_load_stops_the_reload_and_the_old_certificate_stays_served(string reload)
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        // A certificate for another key: what a half-finished copy by hand leaves behind.
        using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP384))
            File.WriteAllText(KeyPath, other.ExportPkcs8PrivateKeyPem());

        var run = (await RunAsync(reload, ct)).FailedNaming($"{Domain}: nginx -t failed (see above); nginx was not reloaded");

        Assert.Contains("[emerg]", run.Stderr, StringComparison.Ordinal);
        using var served = await Nginx.ServedCertificateAsync(Domain, ct);
        Assert.Equal(_served!.SerialNumber, served.SerialNumber);
    }

    [Fact]
    public async Task A_signal_to_an_nginx_that_is_not_running_fails_the_hook()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        await Nginx.StopAsync();

        (await RunAsync("signal", ct)).FailedNaming($"{Domain}: {Nginx.Command} -s reload failed (is nginx running?)");
    }

    private Task<ScriptRun> RunAsync(string reload, CancellationToken ct) =>
        ContribScript.RunAsync(ContribScript.ReloadNginx, "", new Dictionary<string, string>
        {
            ["NGINX_BIN"] = Nginx.Command,
            ["NGINX_RELOAD"] = reload,
            ["CONCORDE_DOMAIN"] = Domain,
            ["CONCORDE_CERT_PATH"] = CertificatePath,
            ["CONCORDE_KEY_PATH"] = KeyPath,
        }, ct);

    public async Task DisposeAsync()
    {
        _served?.Dispose();
        if (_nginx is not null) await _nginx.DisposeAsync();
        _directory.Dispose();
    }
}
