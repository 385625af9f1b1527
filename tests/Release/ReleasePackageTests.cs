using System.Text.RegularExpressions;
using Concorde.Tests.Contrib;
using Concorde.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Concorde.Tests.Release;

/// <summary>out/release: a .deb for each architecture that lintian accepts and that installs on the systems its
/// binary runs on; SHA256SUMS checks every file.</summary>
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

    [GeneratedRegex(@"Depends: libc6 \(>= ([0-9.]+)\)")]
    private static partial Regex LibcDependency();
}
