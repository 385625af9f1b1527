using System.Text.RegularExpressions;
using Concorde.Tests.Contrib;
using Concorde.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Concorde.Tests.Release;

/// <summary>out/release: a .deb for each architecture that lintian accepts and that installs on the systems its
/// binary runs on (the amd64 one is installed on Debian 11); SHA256SUMS checks every file.</summary>
public sealed partial class ReleasePackageTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("amd64")]
    [InlineData("arm64")]
    public async Task Lintian_finds_no_error_and_no_warning(string architecture)
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        await DebianPackage.AssertLintianAcceptsAsync(ReleaseFiles.Package(architecture), output, ct);
    }

    [Theory]
    [InlineData("amd64")]
    [InlineData("arm64")]
    public async Task Depends_lets_it_install_from_Debian_10_on_with_OpenSSL_1_1_or_3(string architecture)
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var package = ReleaseFiles.Package(architecture);

        var fields = (await DebianPackage.RunAsync(ContribScript.Locate("dpkg-deb", "dpkg"), ct, "--field", package, "Architecture", "Depends")).Succeeded();

        output.WriteLine(fields.Stdout);
        Assert.Contains($"Architecture: {architecture}\n", fields.Stdout, StringComparison.Ordinal);
        var libc = LibcDependency().Match(fields.Stdout);
        Assert.True(libc.Success && Version.Parse(libc.Groups[1].Value) <= new Version(2, 28), fields.Stdout);
        Assert.Contains("libssl3 | libssl1.1", fields.Stdout, StringComparison.Ordinal);
    }

    /// <summary>Debian 11's own dpkg checks the dependencies against what that system has.</summary>
    [Fact]
    public async Task The_amd64_package_installs_on_Debian_11_runs_there_and_purges()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var root = ReleaseFiles.Root("amd64");
        using var workspace = new TempDirectory("concorde-release-deb-", Path.Combine(root, "tmp"));
        File.Copy(ReleaseFiles.Package("amd64"), workspace.Combine("concorde.deb"));

        var install = await InRootAsync(root, ct, "dpkg", "--install", "/" + Path.GetRelativePath(root, workspace.Combine("concorde.deb")));
        var version = await InRootAsync(root, ct, "/usr/bin/concorde", "--version");
        var purge = await InRootAsync(root, ct, "dpkg", "--purge", "concorde");

        install.Succeeded();
        Assert.StartsWith($"concorde {DebianPackage.ProjectVersion} (linux-x64, ", version.Succeeded().Stdout, StringComparison.Ordinal);
        purge.Succeeded();
        Assert.False(File.Exists(Path.Combine(root, "usr/bin/concorde")), "purged");
    }

    [Fact]
    public async Task SHA256SUMS_checks_both_binaries_and_both_packages()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var release = Path.GetDirectoryName(ReleaseFiles.Package("amd64"))!;

        // As an administrator checks a download: in its directory, by the names SHA256SUMS gives.
        var start = ChildProcess.Redirected(ContribScript.Locate("sha256sum", "coreutils"), ["--check", "--strict", "SHA256SUMS"]).WithOnlyPathAnd(null);
        start.WorkingDirectory = release;
        var check = await ChildProcess.RunAsync(start, stdin: "", TimeSpan.FromSeconds(60), "sha256sum --check SHA256SUMS", ct);
        Assert.True(check.Code == 0, check.Stdout + check.Stderr);

        var version = DebianPackage.ProjectVersion;
        string[] files = [$"concorde-{version}-linux-arm64", $"concorde-{version}-linux-x64", $"concorde_{version}_amd64.deb", $"concorde_{version}_arm64.deb"];
        Assert.Equal(files.Select(f => $"{f}: OK"), check.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    private static Task<ScriptRun> InRootAsync(string root, CancellationToken ct, params string[] command) =>
        DebianPackage.RunAsync(ContribScript.Locate("chroot", "coreutils"), ct, [root, .. command]);

    [GeneratedRegex(@"Depends: libc6 \(>= ([0-9.]+)\)")]
    private static partial Regex LibcDependency();
}
