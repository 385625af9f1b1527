using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Concorde.Tests.Hostile;

/// <summary>No private key material or JWS body in stdout, stderr or syslog even at debug level; key
/// files private from their first byte (checked on the system calls, with strace); secrets reach authenticators
/// on stdin and in the environment, never in argv; plain http only to loopback; TLS verification that cannot
/// be switched off.</summary>
public sealed partial class ShamanSecretsTests(PebbleFixture pebble, ITestOutputHelper output) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task Debug_issuance_puts_no_key_material_or_jws_on_stdout_stderr_or_syslog()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var (http, dns) = (ShamanProfile.UniqueName("secret-http"), ShamanProfile.UniqueName("secret-dns"));
        var config = profile.Config(new JsonObject { [Challenge.Http01] = ShamanProfile.Http01 }, new JsonObject
        {
            [http] = new JsonObject(),
            [dns] = new JsonObject { ["authenticators"] = new JsonObject { [Challenge.Dns01] = ShamanProfile.Dns01 } },
        });
        config["logThreshold"] = 10;
        profile.Write(config);
        using var syslog = new SyslogListener(profile.PathOf("log.sock"));

        var run = (await ShamanProcess.RunAsync([profile.Directory], syslog.Environment)).Exited(0);
        var datagrams = await syslog.ReceivedAsync();

        using (profile.AssertCertificate(http)) { }
        Assert.Contains(run.Lines, l => l.StartsWith("DEBUG ", StringComparison.Ordinal));
        Assert.Contains(datagrams, d => d.StartsWith("<31>", StringComparison.Ordinal));
        var scan = new SecretScan();
        foreach (var file in Directory.EnumerateFiles(profile.Directory, "*.priv.pem")) scan.AddKeyFile(file);
        Assert.True(scan.Count > 3 * 8, "the account key and both domain keys are looked for");
        scan.AssertAbsentFrom("stdout", run.Stdout);
        scan.AssertAbsentFrom("stderr", run.Stderr);
        scan.AssertAbsentFrom("syslog", string.Join('\n', datagrams));
    }

    // ---- key files private from creation, seen on the system calls --------------------------------------------

    [Fact]
    public async Task Key_files_are_created_0600_and_never_widened()
    {
        var trace = await TraceFreshIssuanceAsync();
        using var profile = trace.Profile;

        var keyOpens = trace.Opens.Where(o => o.Path.Contains(".priv.pem", StringComparison.Ordinal) && o.Flags.Contains("O_CREAT")).ToList();
        output.WriteLine(string.Join(Environment.NewLine, keyOpens.Select(o => $"{o.Path} {o.Flags} {o.Mode}")));
        Assert.True(keyOpens.Count >= 3, $"the account key and both domain keys should be created:{Environment.NewLine}{trace.Text}");
        Assert.All(keyOpens, o =>
        {
            Assert.True(o.Mode is "0600" or "0400", $"{o.Path} created with mode {o.Mode}");
            Assert.Contains("O_EXCL", o.Flags);
        });
        Assert.All(trace.ModeChanges, change => Assert.True(!change.Path.Contains(".priv.pem", StringComparison.Ordinal) || change.Mode is "0600" or "0400",
            $"{change.Path} chmod {change.Mode}"));
        Assert.All(trace.Watched, seen => Assert.True(seen.Mode == ShamanProfile.PrivateMode, $"{seen.Name} seen with mode {seen.Mode}"));
        Assert.Contains(trace.Watched, seen => seen.Name == ShamanProfile.AccountKeyFile);
        Assert.All(Directory.EnumerateFiles(profile.Directory, "*.priv.pem"), f => Assert.Equal(ShamanProfile.PrivateMode, File.GetUnixFileMode(f)));
    }

    /// <summary>"An existing key file is never overwritten" holds even against a file created at the last moment (by
    /// another process, an administrator restoring a backup): a key file is put in place with link(2)+unlink or
    /// renameat2(RENAME_NOREPLACE), which refuse an existing target atomically, never with lstat(2) then rename(2)
    /// (what .NET's File.Move(overwrite: false) does on Linux).</summary>
    [Fact]
    public async Task Key_files_are_put_in_place_by_a_call_that_cannot_replace_an_existing_file()
    {
        var trace = await TraceFreshIssuanceAsync();
        using var profile = trace.Profile;

        var keyCommits = trace.Moves.Where(m => m.To.EndsWith(".priv.pem", StringComparison.Ordinal)).ToList();
        Assert.True(keyCommits.Count >= 3, $"expected the three key files to be put in place:{Environment.NewLine}{trace.Text}");
        Assert.All(keyCommits, m => Assert.True(m.Call is "link" or "linkat" || m.Flags.Contains("RENAME_NOREPLACE"),
            $"{m.To} was put in place by {m.Call}({m.Flags}), which replaces an existing file"));
    }

    private sealed record Open(string Path, string Flags, string Mode);
    private sealed record ModeChange(string Path, string Mode);
    private sealed record Move(string Call, string To, string Flags);
    private sealed record Seen(string Name, UnixFileMode Mode);
    private sealed record Trace(ShamanProfile Profile, string Text, List<Open> Opens, List<ModeChange> ModeChanges, List<Move> Moves, List<Seen> Watched);

    /// <summary>A fresh two-domain issuance under `strace -f`, with a FileSystemWatcher noting the mode of every
    /// key file (final or temporary) the moment it appears.</summary>
    private async Task<Trace> TraceFreshIssuanceAsync()
    {
        var profile = new ShamanProfile(pebble.Server);
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, ShamanProfile.UniqueName("strace-a"), ShamanProfile.UniqueName("strace-b")));
        var traceFile = profile.PathOf("strace.out");
        var watched = new ConcurrentQueue<Seen>();
        using var watcher = new FileSystemWatcher(profile.Directory) { EnableRaisingEvents = true };
        void Note(string path)
        {
            if (!path.Contains(".priv.pem", StringComparison.Ordinal)) return;
            try { watched.Enqueue(new Seen(Path.GetFileName(path), File.GetUnixFileMode(path))); }
            catch (FileNotFoundException) { } // a temporary file already renamed
        }
        watcher.Created += (_, e) => Note(e.FullPath);
        watcher.Renamed += (_, e) => Note(e.FullPath);

        // -ff: one file per thread, so no call is split into "unfinished" and "resumed" halves; -y: fds with paths.
        using var shaman = ShamanProcess.Start([profile.Directory], wrapper:
            ["strace", "-f", "-ff", "-y", "-qq", "-o", traceFile, "-e", "trace=open,openat,creat,chmod,fchmod,fchmodat,rename,renameat,renameat2,link,linkat"]);
        var run = await shaman.WaitAsync(ShamanProcess.DefaultTimeout);
        Assert.False(run.ExitCode == 127 || run.Stderr.Contains("strace:", StringComparison.Ordinal),
            $"this test needs strace (apt-get install -y strace):{Environment.NewLine}{run}");
        run.Exited(0);
        var keyFiles = Directory.EnumerateFiles(profile.Directory, "*.priv.pem").Select(Path.GetFileName).ToList();
        await Eventually.WaitUntilAsync(() => keyFiles.All(key => watched.Any(seen => seen.Name == key)), TimeSpan.FromSeconds(10),
            "the file watcher to report every key file");

        var files = Directory.EnumerateFiles(profile.Directory, "strace.out.*").ToList();
        var text = string.Join('\n', files.Select(File.ReadAllText));
        foreach (var file in files) File.Delete(file);
        var opens = new List<Open>();
        var changes = new List<ModeChange>();
        var moves = new List<Move>();
        foreach (var line in text.Split('\n'))
        {
            if (OpenCall().Match(line) is { Success: true } open)
                opens.Add(new Open(open.Groups["path"].Value, open.Groups["flags"].Value, open.Groups["mode"].Value));
            else if (ChmodCall().Match(line) is { Success: true } chmod)
                changes.Add(new ModeChange(chmod.Groups["path"].Value, chmod.Groups["mode"].Value));
            else if (MoveCall().Match(line) is { Success: true } move)
                moves.Add(new Move(move.Groups["call"].Value, move.Groups["to"].Value, move.Groups["flags"].Value));
        }
        return new Trace(profile, text, opens, changes, moves, watched.ToList());
    }

    // strace -y lines, e.g. openat(AT_FDCWD</dir>, "/dir/.k.tmp", O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0600) = 11</dir/.k.tmp>
    [GeneratedRegex("""^(?:open|openat|creat)\((?:AT_FDCWD(?:<[^>]*>)?, )?"(?<path>[^"]*)", (?<flags>[A-Z_|]+)(?:, (?<mode>0\d+))?\)\s*=\s*\d+""")]
    private static partial Regex OpenCall();

    /// <summary>chmod and fchmodat name the path; fchmod names it after the fd (-y).</summary>
    [GeneratedRegex("""^(?:chmod\(|fchmodat\(AT_FDCWD(?:<[^>]*>)?, |fchmod\(\d+<)"?(?<path>[^">]*)"?>?, (?<mode>0\d+)""")]
    private static partial Regex ChmodCall();

    [GeneratedRegex("""^(?<call>rename|renameat|renameat2|link|linkat)\((?:AT_FDCWD(?:<[^>]*>)?, )?"[^"]*", (?:AT_FDCWD(?:<[^>]*>)?, )?"(?<to>[^"]*)"(?:, (?<flags>[A-Z_|0]+))?\)\s*=\s*0""")]
    private static partial Regex MoveCall();

    // ---- authenticators: secrets on stdin and in the environment only --------------------------------------

    [Fact]
    public async Task Authenticator_gets_the_key_authorization_on_stdin_and_in_its_environment_never_in_argv()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("argv");
        profile.WriteScript("record.sh", $"""
            tr '\0' '\n' < /proc/$$/cmdline > argv.txt
            echo "$#" > argc.txt
            tr '\0' '\n' < /proc/$PPID/cmdline > parent-argv.txt
            printf '%s\n%s\n' "$CONCORDE_TOKEN" "$CONCORDE_KEY_AUTHORIZATION" > secrets.txt
            exec ./{ShamanProfile.Http01}
            """);
        profile.Write(profile.Config(Challenge.Http01, "record.sh", name));

        (await profile.RunAsync()).Exited(0);

        // publish-http01.sh checked that stdin carried the same token and key authorization as the environment.
        using (profile.AssertCertificate(name)) { }
        var secrets = File.ReadAllLines(profile.PathOf("secrets.txt"));
        Assert.Equal(2, secrets.Length);
        Assert.Equal("0", File.ReadAllText(profile.PathOf("argc.txt")).Trim());
        var argv = File.ReadAllLines(profile.PathOf("argv.txt"));
        Assert.Equal(["/bin/sh", profile.PathOf("record.sh")], argv);
        foreach (var file in new[] { "argv.txt", "parent-argv.txt" })
            foreach (var secret in secrets)
                Assert.DoesNotContain(secret, File.ReadAllText(profile.PathOf(file)), StringComparison.Ordinal);
    }

    // ---- only https, except loopback ---------------------------------------------------------------------------

    [Theory]
    [InlineData("http://example.com")]
    [InlineData("http://example.com:443/directory")]
    [InlineData("HTTP://ACME.EXAMPLE.COM/dir")]
    [InlineData("http://localhost.example.com/dir")]
    [InlineData("http://127.0.0.1.nip.io/dir")]
    public async Task Non_https_server_is_refused_with_exit_2_naming_it(string server)
    {
        var config = new JsonObject
        {
            ["server"] = server,
            ["authenticators"] = new JsonObject { [Challenge.Http01] = "auth.sh" },
            ["domains"] = new JsonObject { ["a.example.com"] = new JsonObject() },
        };

        await ShamanRefusal.AssertRefusedAsync(server, Encoding.UTF8.GetBytes(config.ToJsonString()), ["\"server\"", "https", server]);
    }

    [Fact]
    public async Task Plain_http_to_a_loopback_server_is_allowed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var requests = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var serving = ServeNotFoundAsync(listener, requests, stop.Token);
        using var profile = new ShamanProfile(pebble.Server);
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, ShamanProfile.UniqueName("loopback"));
        config["server"] = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/dir";
        config.Remove("caBundle");
        profile.Write(config);

        var run = (await profile.RunAsync()).Exited(1);
        await stop.CancelAsync();
        await serving;

        Assert.Contains("GET /dir HTTP/1.1", requests);
        Assert.DoesNotContain("must use https", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Answers every request with 404 and an ACME problem, as a server with no directory would.</summary>
    private static async Task ServeNotFoundAsync(TcpListener listener, ConcurrentQueue<string> requests, CancellationToken ct)
    {
        const string body = """{"type": "urn:ietf:params:acme:error:malformed", "detail": "no directory here"}""";
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync(ct);
                await using var stream = client.GetStream();
                var head = new StringBuilder();
                var buffer = new byte[4096];
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await stream.ReadAsync(buffer, ct);
                    if (read == 0) break;
                    head.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }
                requests.Enqueue(head.ToString().Split("\r\n")[0]);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 404 Not Found\r\nContent-Type: application/problem+json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"), ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The test is done.
        }
    }

    // ---- TLS verification cannot be turned off ---------------------------------------------------------------

    [Fact]
    public async Task No_option_or_environment_variable_turns_tls_verification_off()
    {
        var texts = new List<(string Where, string Text)> { ("shaman --help", (await ShamanProcess.RunAsync(["--help"])).Exited(0).Stdout) };
        foreach (var page in new[] { new string[] { "--help" }, ["help", "unreg", "create"], ["help", "reg"], ["help", "directory"], ["help", "renewal-info"] })
            texts.Add(($"concorde {string.Join(' ', page)}", (await ConcordeBinary.RunAsync(page, CancellationToken.None)).Succeeded().Stdout));
        foreach (var (where, text) in texts)
            Assert.False(TlsSwitch().IsMatch(text), $"{where} offers a way around TLS verification: {TlsSwitch().Match(text).Value}");

        var variables = EnvironmentVariableNames(File.ReadAllBytes(ConcordeBinary.Path));
        output.WriteLine(string.Join(", ", variables));
        // The native image keeps literals in a form where the last character does not follow the others.
        Assert.Contains(variables, v => v.StartsWith("CONCORDE_CA_BUNDL", StringComparison.Ordinal));
        Assert.DoesNotContain(variables, v => TlsSwitch().IsMatch(v.Replace('_', '-')));
    }

    [GeneratedRegex("insecure|no-?verify|skip-?(tls|verify|cert)|verify.?=.?(false|0)|no-?check|trust-?all|allow-?untrusted|danger", RegexOptions.IgnoreCase)]
    private static partial Regex TlsSwitch();

    /// <summary>Every "CONCORDE_…" string in the binary (.NET keeps string literals as UTF-16).</summary>
    private static SortedSet<string> EnvironmentVariableNames(byte[] binary)
    {
        var text = Encoding.Unicode.GetString(binary) + Encoding.Unicode.GetString(binary, 1, binary.Length - 1) + Encoding.Latin1.GetString(binary);
        return new SortedSet<string>(VariableName().Matches(text).Select(m => m.Value), StringComparer.Ordinal);
    }

    [GeneratedRegex("CONCORDE_[A-Z0-9_]+")]
    private static partial Regex VariableName();

    [Theory]
    [InlineData("no caBundle (system roots only)")]
    [InlineData("a caBundle of another CA")]
    public async Task Server_with_a_certificate_from_an_untrusted_ca_fails_with_a_tls_message_naming_it(string trust)
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("untrusted");
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, name);
        config.Remove("caBundle");
        if (trust.StartsWith("a caBundle", StringComparison.Ordinal))
        {
            // Pebble's issuing root: a real CA certificate, but not the one behind the server's TLS certificate.
            File.WriteAllText(profile.PathOf("other-ca.pem"), await pebble.Server.Management.GetRootCertificatePemAsync());
            config["caBundle"] = "other-ca.pem";
        }
        // Settings other tools use to switch verification off are unknown here, kept, and change nothing.
        foreach (var field in new[] { "insecure", "skipTlsVerify", "noVerify" }) config[field] = true;
        config["tlsVerify"] = false;
        profile.Write(config);

        var run = (await profile.RunAsync()).Exited(1);

        // Not the domain's failure: reported once for the run.
        var error = Assert.Single(run.ErrorLines);
        Assert.StartsWith("ERROR server: ", error, StringComparison.Ordinal);
        Assert.Contains(pebble.Server.DirectoryUrl.AbsoluteUri, error, StringComparison.Ordinal);
        Assert.Contains("SSL", error, StringComparison.Ordinal);
        Assert.Null(profile.Read()["account_id"]);
        Assert.False(File.Exists(profile.PathOf(ShamanProfile.CertificateFile(name))));
    }
}
