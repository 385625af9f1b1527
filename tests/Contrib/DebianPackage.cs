using System.Text.RegularExpressions;
using Concorde.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Concorde.Tests.Contrib;

/// <summary>The .deb that `./build.sh deb` makes, built once per test class by contrib/deb/build-deb.sh from the
/// published binary (CONCORDE_BIN), in a directory deleted afterwards.</summary>
public sealed partial class DebianPackage : IAsyncLifetime
{
    private readonly TempDirectory output = new("concorde-deb-");

    public string Path { get; private set; } = "";

    /// <summary>The csproj's &lt;Version&gt;: the one place the version is written.</summary>
    public static string ProjectVersion
    {
        get
        {
            var csproj = System.IO.Path.GetFullPath(System.IO.Path.Combine(ContribScript.PathOf("deb/build-deb.sh"), "../../../concorde.csproj"));
            return VersionElement().Match(File.ReadAllText(csproj)).Groups[1].Value;
        }
    }

    public async Task InitializeAsync()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var build = (await RunAsync(ContribScript.PathOf("deb/build-deb.sh"), ct, ConcordeBinary.Path, output.Path)).Succeeded();
        Path = build.Stdout.Trim();
        Assert.True(File.Exists(Path), build.ToString());
    }

    /// <summary>One field of the package's control file.</summary>
    public async Task<string> FieldAsync(string name, CancellationToken ct) =>
        (await RunAsync(ContribScript.Locate("dpkg-deb", "dpkg"), ct, "--field", Path, name)).Succeeded().Stdout.Trim();

    /// <summary>lintian reports no error and no warning about the .deb at <paramref name="path"/>.</summary>
    public static async Task AssertLintianAcceptsAsync(string path, ITestOutputHelper output, CancellationToken ct)
    {
        var lintian = await RunAsync(ContribScript.Locate("lintian", "lintian"), ct, "--fail-on", "error,warning", "--info", path);

        output.WriteLine(lintian.ToString());
        Assert.True(lintian.ExitCode == 0, lintian.ToString());
        Assert.DoesNotMatch(new Regex("^[EW]: ", RegexOptions.Multiline), lintian.Stdout);
    }

    /// <summary>Runs a program with PATH (and the sbin directories dpkg looks in for ldconfig) as the only variable.</summary>
    internal static Task<ScriptRun> RunAsync(string program, CancellationToken ct, params string[] arguments) =>
        ContribScript.RunAsync(program, "", new Dictionary<string, string>
        {
            ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            ["LC_ALL"] = "C.UTF-8",
        }, ct, arguments);

    public Task DisposeAsync()
    {
        output.Dispose();
        return Task.CompletedTask;
    }

    [GeneratedRegex("<Version>([^<]+)</Version>")]
    private static partial Regex VersionElement();
}
