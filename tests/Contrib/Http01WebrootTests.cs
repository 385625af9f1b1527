using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Contrib;

/// <summary>A Pebble whose http-01 port is served by a <see cref="ChallengeWebServer"/> over a temporary webroot
/// instead of challtestsrv, so a response counts only if it is a file in that webroot.</summary>
public sealed class WebrootPebbleFixture : IAsyncLifetime
{
    private readonly TempDirectory _webroot = new("concorde-webroot-");
    private PebbleServer? _pebble;
    private ChallengeWebServer? _web;

    public PebbleServer Pebble => _pebble ?? throw new InvalidOperationException("not initialized");
    internal ChallengeWebServer Web => _web ?? throw new InvalidOperationException("not initialized");
    public string Webroot => _webroot.Path;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _pebble = await PebbleServer.StartAsync(new PebbleOptions { ChallengeServerHandlesHttp01 = false }, timeout.Token);
        _web = ChallengeWebServer.Start(_webroot.Path, _pebble.Http01Port);
    }

    public async Task DisposeAsync()
    {
        if (_web is not null) await _web.DisposeAsync();
        if (_pebble is not null) await _pebble.DisposeAsync();
        _webroot.Dispose();
    }
}

/// <summary>contrib/authenticators/http01-webroot: the file it writes is what a web server serving the webroot
/// must answer, and Pebble accepts exactly that.</summary>
public sealed class Http01WebrootTests(WebrootPebbleFixture fixture) : IClassFixture<WebrootPebbleFixture>
{
    private const UnixFileMode WorldReadable =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Fact]
    public async Task Shaman_with_the_webroot_authenticator_gets_a_certificate_Pebble_validated_over_the_web_server()
    {
        using var profile = new ShamanProfile(fixture.Pebble);
        var name = ShamanProfile.UniqueName("webroot");
        profile.Write(profile.Config(Challenge.Http01, ContribScript.Http01Webroot, name));

        var run = (await profile.RunAsync(new Dictionary<string, string> { ["WEBROOT"] = fixture.Webroot })).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        Assert.Contains(run.Lines, l => l.StartsWith($"INFO {name}: http-01 authenticator http01-webroot stdout: published {fixture.Webroot}/.well-known/acme-challenge/", StringComparison.Ordinal));
        // The validator fetched the script's file from the web server, by the name being validated.
        var fetch = fixture.Web.Requests.FirstOrDefault(r => r.Host.StartsWith(name, StringComparison.Ordinal) && r.Status == 200);
        Assert.True(fetch is not null, $"Pebble fetched the response for {name} from the web server:{Environment.NewLine}" +
                                       string.Join(Environment.NewLine, fixture.Web.Requests));
        var token = fetch.RequestLine.Split(' ')[1].Split('/')[^1];
        var file = Path.Combine(fixture.Webroot, ".well-known", "acme-challenge", token);
        Assert.StartsWith(token + ".", File.ReadAllText(file), StringComparison.Ordinal);
        Assert.Equal(WorldReadable, File.GetUnixFileMode(file));
    }

    [Fact]
    public async Task A_webroot_profile_removes_its_response_after_validation_and_reloads_nginx_once_after_issuing()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        using var bin = new TempDirectory("concorde-contrib-bin-");
        var cleanup = ContribScript.LinkAsCleanup(bin.Path, ContribScript.Http01Webroot);
        using var profile = new ShamanProfile(fixture.Pebble);
        var name = ShamanProfile.UniqueName("nginx");
        var certificate = profile.PathOf(ShamanProfile.CertificateFile(name));
        var key = profile.PathOf(ShamanProfile.KeyFile(name));
        NginxServer.WritePlaceholder(certificate, key, name);
        await using var nginx = await NginxServer.StartAsync(certificate, key, ct);
        var config = profile.Config(Challenge.Http01, ContribScript.Http01Webroot, name);
        config["cleanup"] = new JsonObject { [Challenge.Http01] = cleanup };
        config["deploy"] = ContribScript.ReloadNginx;
        profile.Write(config);
        var environment = new Dictionary<string, string>
        {
            ["WEBROOT"] = fixture.Webroot,
            ["NGINX_BIN"] = nginx.Command,
            ["NGINX_RELOAD"] = "signal",
        };

        var run = (await profile.RunAsync(environment)).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        var fetch = fixture.Web.Requests.FirstOrDefault(r => r.Host.StartsWith(name, StringComparison.Ordinal) && r.Status == 200);
        Assert.True(fetch is not null, $"Pebble fetched the response for {name}:{Environment.NewLine}{run}");
        var token = fetch.RequestLine.Split(' ')[1].Split('/')[^1];
        Assert.False(File.Exists(Path.Combine(fixture.Webroot, ".well-known", "acme-challenge", token)), "cleanup removed the response");
        Assert.Contains($"INFO {name}: deploy reload-nginx stdout: {name}: nginx reloaded with {certificate}", run.Lines);
        // The real nginx tested the new pair and reloaded: it serves the issued certificate.
        await nginx.WaitUntilServingAsync(name, leaf.SerialNumber, ct);

        // The certificate did not change: no deploy, no reload.
        var second = (await profile.RunAsync(environment)).Exited(0);
        Assert.DoesNotContain(second.Lines, l => l.Contains("deploy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pebble_refuses_the_challenge_when_the_script_writes_to_a_webroot_nobody_serves()
    {
        using var elsewhere = new TempDirectory("concorde-unserved-webroot-");
        using var profile = new ShamanProfile(fixture.Pebble);
        var name = ShamanProfile.UniqueName("unserved");
        profile.Write(profile.Config(Challenge.Http01, ContribScript.Http01Webroot, name));

        var run = (await profile.RunAsync(new Dictionary<string, string> { ["WEBROOT"] = elsewhere.Path })).Exited(1);

        Assert.Contains(run.ErrorLines, l => l.Contains($"validation of {name} with http-01 failed", StringComparison.Ordinal));
        Assert.False(File.Exists(profile.PathOf(ShamanProfile.CertificateFile(name))));
        Assert.Contains(fixture.Web.Requests, r => r.Host.StartsWith(name, StringComparison.Ordinal) && r.Status == 404);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("a/b")]
    [InlineData("tok en")]
    [InlineData("tok.en")]
    [InlineData("")]
    public async Task Script_refuses_a_token_outside_base64url_and_writes_nothing(string token)
    {
        using var webroot = new TempDirectory("concorde-webroot-");
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        (await RunScriptAsync(webroot.Path, $"{token}\n{token}.thumbprint\n", ct)).FailedNaming("refusing token");

        Assert.Empty(Directory.EnumerateFileSystemEntries(webroot.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Script_refuses_a_key_authorization_for_another_token()
    {
        using var webroot = new TempDirectory("concorde-webroot-");
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        (await RunScriptAsync(webroot.Path, "token1\ntoken2.thumbprint\n", ct)).FailedNaming("does not start with \"token1.\"");
        (await RunScriptAsync(webroot.Path, "token1\ntoken1.thumb/../x\n", ct)).FailedNaming("refusing key authorization");
    }

    [Fact]
    public async Task Script_replaces_an_old_response_with_a_world_readable_file_even_under_umask_077()
    {
        using var webroot = new TempDirectory("concorde-webroot-");
        var directory = Path.Combine(webroot.Path, ".well-known", "acme-challenge");
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, "tok_EN-1");
        File.WriteAllText(file, "stale");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        // sh -c 'umask 077; exec script': a restrictive umask must not leave the web server unable to read it.
        (await ContribScript.RunAsync("/bin/sh", "tok_EN-1\ntok_EN-1.thumb_print-9\n",
            new Dictionary<string, string> { ["WEBROOT"] = webroot.Path, ["CONCORDE_CHALLENGE_TYPE"] = "http-01" }, ct,
            "-c", "umask 077; exec \"$0\"", ContribScript.Http01Webroot)).Succeeded();

        Assert.Equal("tok_EN-1.thumb_print-9", File.ReadAllText(file));
        Assert.Equal(WorldReadable, File.GetUnixFileMode(file));
        // Written under a temporary name and renamed: nothing else is left in the directory.
        Assert.Equal([file], Directory.GetFiles(directory));
    }

    [Fact]
    public async Task Script_creates_the_challenge_directory_readable_by_the_web_server()
    {
        using var webroot = new TempDirectory("concorde-webroot-");
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        (await ContribScript.RunAsync("/bin/sh", "abc\nabc.def\n", new Dictionary<string, string> { ["WEBROOT"] = webroot.Path }, ct,
            "-c", "umask 077; exec \"$0\"", ContribScript.Http01Webroot)).Succeeded();

        foreach (var directory in new[] { ".well-known", ".well-known/acme-challenge" })
            Assert.True(File.GetUnixFileMode(Path.Combine(webroot.Path, directory)).HasFlag(UnixFileMode.OtherRead | UnixFileMode.OtherExecute),
                $"{directory} can be traversed by the web server's user");
    }

    [Fact]
    public async Task Run_under_the_cleanup_name_it_removes_the_response()
    {
        using var webroot = new TempDirectory("concorde-webroot-");
        using var bin = new TempDirectory("concorde-contrib-bin-");
        var cleanup = ContribScript.LinkAsCleanup(bin.Path, ContribScript.Http01Webroot);
        var file = Path.Combine(webroot.Path, ".well-known", "acme-challenge", "abc");
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        (await RunScriptAsync(webroot.Path, "abc\nabc.def\n", ct)).Succeeded();
        Assert.True(File.Exists(file));
        var run = (await ContribScript.RunAsync(cleanup, "abc\nabc.def\n", new Dictionary<string, string> { ["WEBROOT"] = webroot.Path }, ct))
            .Succeeded();

        Assert.False(File.Exists(file));
        Assert.Equal($"removed {file}", run.Stdout.Trim());
    }

    [Fact]
    public async Task Missing_webroot_wrong_challenge_type_and_empty_input_are_named()
    {
        using var webroot = new TempDirectory("concorde-webroot-");
        var missing = webroot.Combine("not-there");
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        (await RunScriptAsync(missing, "abc\nabc.def\n", ct)).FailedNaming($"web root {missing} does not exist; set WEBROOT");
        (await RunScriptAsync(webroot.Path, "abc\nabc.def\n", ct, ("CONCORDE_CHALLENGE_TYPE", "dns-01"))).FailedNaming("http-01 only, not dns-01");
        (await RunScriptAsync(webroot.Path, "", ct)).FailedNaming("no token on stdin");
        (await RunScriptAsync(webroot.Path, "abc\n", ct)).FailedNaming("no key authorization on stdin");
    }

    private static Task<ScriptRun> RunScriptAsync(string webroot, string stdin, CancellationToken ct, params (string Name, string Value)[] extra)
    {
        var environment = new Dictionary<string, string> { ["WEBROOT"] = webroot };
        foreach (var (name, value) in extra) environment[name] = value;
        return ContribScript.RunAsync(ContribScript.Http01Webroot, stdin, environment, ct);
    }
}
