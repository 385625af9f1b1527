using System.Text.Json;
using Xunit;

namespace Concorde.Tests.Support;

/// <summary>Runs the published Native-AOT binary named by CONCORDE_BIN (./build.sh publishes out/concorde and
/// `./build.sh test` sets the variable). Without it the end-to-end tests fail, never skip.</summary>
internal static class ConcordeBinary
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    private static readonly string[] VariablesToDrop =
    [
        "CONCORDE_CA_BUNDLE", "CONCORDE_EAB_HMAC_KEY", "CONCORDE_SYSLOG_SOCKET", "CONCORDE_TEST_REQUEST_TIMEOUT", "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy",
    ];

    public static string Path
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("CONCORDE_BIN");
            if (string.IsNullOrEmpty(path))
                throw new InvalidOperationException(
                    "CONCORDE_BIN is not set. Run ./build.sh (it publishes out/concorde), then " +
                    "CONCORDE_BIN=$PWD/out/concorde dotnet test tests/concorde.tests.csproj — or run ./build.sh test.");
            if (!File.Exists(path))
                throw new InvalidOperationException($"CONCORDE_BIN={path} does not exist. Run ./build.sh to publish it.");
            return path;
        }
    }

    /// <summary>Runs the binary with <paramref name="args"/>, and <paramref name="environment"/> added to a
    /// process environment without the variables that would change what it does.</summary>
    public static async Task<CliRun> RunAsync(IReadOnlyList<string> args, CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = ChildProcess.Redirected(Path, args);
        foreach (var name in VariablesToDrop) start.Environment.Remove(name);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var exit = await ChildProcess.RunAsync(start, stdin: "", RunTimeout, $"concorde {string.Join(' ', args)}", ct);
        return new CliRun(args, exit.Code, exit.Stdout, exit.Stderr);
    }
}

/// <summary>One run of the binary: its arguments, exit status and both streams.</summary>
internal sealed record CliRun(IReadOnlyList<string> Args, int ExitCode, string Stdout, string Stderr)
{
    public CliRun Succeeded()
    {
        Assert.True(ExitCode == 0, $"expected success:{Environment.NewLine}{this}");
        return this;
    }

    public CliRun Failed(int exitCode)
    {
        Assert.True(ExitCode == exitCode, $"expected exit status {exitCode}:{Environment.NewLine}{this}");
        Assert.DoesNotContain("   at ", Stderr, StringComparison.Ordinal); // no stack trace
        return this;
    }

    /// <summary>The URL of the header line, e.g. `Order: https://...` (always the first line).</summary>
    public Uri Header(string kind)
    {
        var first = Stdout.Split('\n')[0];
        Assert.True(first.StartsWith($"{kind}: ", StringComparison.Ordinal), $"expected a `{kind}:` header:{Environment.NewLine}{this}");
        return new Uri(first[(kind.Length + 2)..]);
    }

    /// <summary>The indented JSON after the header line.</summary>
    public JsonElement Json()
    {
        var body = Stdout[(Stdout.IndexOf('\n') + 1)..];
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    /// <summary>The value of the stdout line `<paramref name="label"/>: value`.</summary>
    public string Line(string label)
    {
        var line = Stdout.Split('\n').FirstOrDefault(l => l.StartsWith($"{label}: ", StringComparison.Ordinal));
        Assert.True(line is not null, $"expected a `{label}:` line:{Environment.NewLine}{this}");
        return line[(label.Length + 2)..];
    }

    public override string ToString() =>
        $"$ concorde {string.Join(' ', Args)}{Environment.NewLine}exit {ExitCode}{Environment.NewLine}" +
        $"--- stdout ---{Environment.NewLine}{Stdout}--- stderr ---{Environment.NewLine}{Stderr}";
}
