using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Contrib;

/// <summary>contrib/deploy/reload-nginx, run as shaman runs a deploy hook, with stand-ins for nginx and systemctl
/// on PATH that record how they were called, where only a stand-in can show it: systemd's reload, the choice of
/// `auto`, and settings so wrong that nginx is never called. <see cref="ReloadNginxServerTests"/> runs it against a
/// real nginx.</summary>
public sealed class ReloadNginxTests : IDisposable
{
    private const string Domain = "example.com";
    private readonly TempDirectory _directory = new("concorde-reload-nginx-");
    private readonly NginxStandIn _nginx = new();

    public ReloadNginxTests()
    {
        File.WriteAllText(CertificatePath, "-----BEGIN CERTIFICATE-----\n");
        File.WriteAllText(KeyPath, "-----BEGIN PRIVATE KEY-----\n");
    }

    private string CertificatePath => _directory.Combine($"{Domain}.cert.pub.pem");
    private string KeyPath => _directory.Combine($"{Domain}.key.priv.pem");

    [Fact]
    public async Task Tests_the_configuration_then_reloads_through_systemctl()
    {
        var run = (await RunAsync(("NGINX_RELOAD", "systemctl"))).Succeeded();

        Assert.Equal(["nginx -t -q", "systemctl reload nginx.service"], Calls());
        Assert.Equal($"{Domain}: nginx reloaded with {CertificatePath}", run.Stdout.Trim());
        Assert.Equal([$"  with {Domain} {CertificatePath} {KeyPath}"], _nginx.ConfigurationTests());
    }

    [Fact]
    public async Task Auto_uses_systemctl_only_when_systemd_runs_the_machine()
    {
        (await RunAsync()).Succeeded();

        // sd_booted(3): /run/systemd/system exists only under systemd. A container without it must get the signal.
        string[] expected = Directory.Exists("/run/systemd/system")
            ? ["systemctl cat nginx.service", "nginx -t -q", "systemctl reload nginx.service"]
            : ["nginx -t -q", "nginx -s reload"];
        Assert.Equal(expected, Calls());
    }

    [Fact]
    public async Task A_failing_systemctl_reload_fails_the_hook()
    {
        (await RunAsync(("NGINX_RELOAD", "systemctl"), ("FAKE_SYSTEMCTL_FAILS", "1"))).FailedNaming("systemctl reload nginx.service failed");
    }

    [Theory]
    [InlineData("CONCORDE_DOMAIN", "", "CONCORDE_DOMAIN is not set")]
    [InlineData("CONCORDE_CERT_PATH", "", "CONCORDE_CERT_PATH is not set")]
    [InlineData("CONCORDE_KEY_PATH", "", "CONCORDE_KEY_PATH is not set")]
    [InlineData("CONCORDE_CERT_PATH", "/nonexistent/example.com.cert.pub.pem", "cannot read the certificate /nonexistent/example.com.cert.pub.pem")]
    [InlineData("NGINX_BIN", "/nonexistent/nginx", "/nonexistent/nginx is not installed or not on PATH")]
    [InlineData("NGINX", "/usr/sbin/nginx", "NGINX is set; name the nginx binary in NGINX_BIN instead")]
    [InlineData("NGINX_RELOAD", "restart", "NGINX_RELOAD must be auto, systemctl or signal")]
    public async Task Missing_settings_are_named_and_nginx_is_left_alone(string variable, string value, string message)
    {
        (await RunAsync((variable, value))).FailedNaming(message);

        Assert.Empty(Calls());
    }

    private async Task<ScriptRun> RunAsync(params (string Name, string Value)[] settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = _nginx.SearchPath,
            ["CONCORDE_DOMAIN"] = Domain,
            ["CONCORDE_CERT_PATH"] = CertificatePath,
            ["CONCORDE_KEY_PATH"] = KeyPath,
        };
        foreach (var (name, value) in settings)
        {
            if (value.Length == 0) environment.Remove(name);
            else environment[name] = value;
        }
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        return await ContribScript.RunAsync(ContribScript.ReloadNginx, "", environment, ct);
    }

    private string[] Calls() => _nginx.Calls();

    public void Dispose()
    {
        _nginx.Dispose();
        _directory.Dispose();
    }
}
