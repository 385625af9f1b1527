using Concorde.Tests.Support;

namespace Concorde.Tests.Contrib;

/// <summary>A real SMTP server (Debian's python3-aiosmtpd, its Mailbox handler) on a free loopback port, delivering
/// every message into a maildir under a temporary directory; plus an msmtp configuration (Debian's msmtp) that sends
/// to it, found through <see cref="Home"/> as ~/.msmtprc. Dispose to stop the server and delete the directory.</summary>
internal sealed class SmtpSink : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _directory;
    private readonly LoggedProcess _server;

    private SmtpSink(TempDirectory directory, LoggedProcess server)
    {
        _directory = directory;
        _server = server;
    }

    /// <summary>A HOME whose .msmtprc sends to this server: msmtp as sendmail(8) with HOME set to it.</summary>
    public string Home => _directory.Path;

    private string Maildir => _directory.Combine("maildir");

    public static async Task<SmtpSink> StartAsync(CancellationToken ct)
    {
        var directory = new TempDirectory("concorde-smtp-");
        var port = FreePorts.GetTcpPort();
        var msmtprc = directory.Combine(".msmtprc");
        File.WriteAllText(msmtprc, $"""
            defaults
            auth off
            tls off
            account default
            host 127.0.0.1
            port {port}
            from shaman@localhost
            """ + "\n");
        File.SetUnixFileMode(msmtprc, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var server = LoggedProcess.Start(ContribScript.Locate("aiosmtpd", "python3-aiosmtpd"), directory.Path,
            ["-n", "-l", $"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", directory.Combine("maildir")],
            new Dictionary<string, string>(), dropInherited: name => name.StartsWith("PYTHON", StringComparison.Ordinal));
        var sink = new SmtpSink(directory, server);
        try
        {
            await Eventually.WaitUntilAsync(async () => !server.HasExited && await TcpProbe.AcceptsAsync("127.0.0.1", port, ct), StartTimeout,
                $"aiosmtpd on 127.0.0.1:{port}", ct);
            return sink;
        }
        catch (TimeoutException e)
        {
            await sink.DisposeAsync();
            throw new InvalidOperationException($"{e.Message}: {server.Describe()}", e);
        }
    }

    /// <summary>Every message delivered so far, oldest first, as the server stored it (headers, blank line, body).</summary>
    public IReadOnlyList<string> Messages()
    {
        var delivered = Path.Combine(Maildir, "new");
        if (!Directory.Exists(delivered)) return [];
        return Directory.EnumerateFiles(delivered).Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(TimeSpan.FromSeconds(5));
        _directory.Dispose();
    }
}
