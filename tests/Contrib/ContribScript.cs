using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Contrib;

/// <summary>The files under contrib/ and a way to run them (or any program) as cron or shaman would: no arguments
/// unless given, stdin from the test, and an environment holding only PATH plus what the test sets.</summary>
internal static class ContribScript
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);
    private static readonly Lazy<string> Root = new(FindContribDirectory);

    public static string Http01Webroot => PathOf("authenticators/http01-webroot");
    public static string Dns01Nsupdate => PathOf("authenticators/dns01-nsupdate");
    public static string Dns01Lexicon => PathOf("authenticators/dns01-lexicon");
    public static string ReloadNginx => PathOf("deploy/reload-nginx");
    public static string NotifyMail => PathOf("notify/mail");
    public static string NotifyWebhook => PathOf("notify/webhook");

    /// <summary>contrib/<paramref name="relativePath"/>; fails the test when the file is missing.</summary>
    public static string PathOf(string relativePath)
    {
        var path = Path.Combine(Root.Value, relativePath);
        Assert.True(File.Exists(path), $"{path} is missing");
        return path;
    }

    /// <summary>A symlink <c>&lt;script name&gt;-cleanup</c> in <paramref name="directory"/>: the name under which
    /// the authenticators undo their work, as an administrator installs them for shaman's "cleanup".</summary>
    public static string LinkAsCleanup(string directory, string script)
    {
        var link = Path.Combine(directory, Path.GetFileName(script) + "-cleanup");
        File.CreateSymbolicLink(link, script);
        return link;
    }

    /// <summary>Runs <paramref name="program"/> to completion with <paramref name="stdin"/> and the given environment
    /// on top of PATH only.</summary>
    public static async Task<ScriptRun> RunAsync(string program, string stdin, IReadOnlyDictionary<string, string> environment,
        CancellationToken ct, params string[] arguments)
    {
        var start = ChildProcess.Redirected(program, arguments).WithOnlyPathAnd(environment);
        var exit = await ChildProcess.RunAsync(start, stdin, RunTimeout, program, ct);
        return new ScriptRun(program, arguments, exit.Code, exit.Stdout, exit.Stderr);
    }

    /// <summary>The full path of a program from PATH (or /usr/sbin, where Debian puts named and tsig-keygen);
    /// a missing one fails the test with the package to install.</summary>
    public static string Locate(string program, string package)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin").Append("/usr/bin"))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException($"{program} is not installed: apt-get install -y {package} (./build.sh test installs it when run as root)");
    }

    /// <summary>The repository's contrib/ directory: the nearest ancestor of the test assembly holding both
    /// concorde.csproj and contrib/.</summary>
    private static string FindContribDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var contrib = Path.Combine(directory.FullName, "contrib");
            if (File.Exists(Path.Combine(directory.FullName, "concorde.csproj")) && Directory.Exists(contrib)) return contrib;
        }
        throw new InvalidOperationException($"no contrib/ directory next to concorde.csproj above {AppContext.BaseDirectory}");
    }
}

/// <summary>One finished run of a script.</summary>
internal sealed record ScriptRun(string Program, IReadOnlyList<string> Arguments, int ExitCode, string Stdout, string Stderr)
{
    public ScriptRun Succeeded()
    {
        Assert.True(ExitCode == 0, $"expected success:{Environment.NewLine}{this}");
        return this;
    }

    /// <summary>A failure with exit status ≠ 0 and a message on stderr that names <paramref name="what"/>.</summary>
    public ScriptRun FailedNaming(string what)
    {
        Assert.True(ExitCode != 0, $"expected a failure:{Environment.NewLine}{this}");
        Assert.True(Stderr.Contains(what, StringComparison.Ordinal), $"expected stderr to name \"{what}\":{Environment.NewLine}{this}");
        return this;
    }

    public override string ToString() =>
        $"$ {Program} {string.Join(' ', Arguments)}{Environment.NewLine}exit {ExitCode}{Environment.NewLine}" +
        $"--- stdout ---{Environment.NewLine}{Stdout}--- stderr ---{Environment.NewLine}{Stderr}";
}
