using System.Text.RegularExpressions;
using Concorde.Tests.Contrib;
using Concorde.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Concorde.Tests.Release;

/// <summary>The release binaries ask the dynamic linker for no glibc symbol version newer than 2.28, the floor the
/// README promises (RHEL 8, Debian 10); release/glibc-floor.c says how they get there.</summary>
public sealed partial class GlibcFloorTests(ITestOutputHelper output)
{
    private static readonly Version Floor = new(2, 28);

    [Theory]
    [InlineData("linux-x64", "objdump", "binutils")]
    [InlineData("linux-arm64", "aarch64-linux-gnu-objdump", "binutils-aarch64-linux-gnu")]
    public async Task The_release_binary_needs_no_glibc_newer_than_the_floor(string runtimeIdentifier, string objdump, string package)
    {
        var newest = await NewestGlibcAsync(ReleaseFiles.Binary(runtimeIdentifier), objdump, package);

        output.WriteLine($"{runtimeIdentifier}: GLIBC_{newest}");
        Assert.True(newest <= Floor, $"{runtimeIdentifier} asks for GLIBC_{newest}, above the floor GLIBC_{Floor}");
    }

    /// <summary>The check can fail: linked against this machine's glibc, the host build asks for more.</summary>
    [Fact]
    public async Task The_host_build_needs_a_newer_glibc_than_the_floor()
    {
        var newest = await NewestGlibcAsync(ConcordeBinary.Path, "objdump", "binutils");

        output.WriteLine($"host build: GLIBC_{newest}");
        Assert.True(newest > Floor, $"the host build asks for GLIBC_{newest} only");
    }

    /// <summary>The newest GLIBC_x.y among the versions of the symbols the binary imports (objdump -T).</summary>
    private static async Task<Version> NewestGlibcAsync(string binary, string objdump, string package)
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var symbols = (await ContribScript.RunAsync(ContribScript.Locate(objdump, package), "", new Dictionary<string, string>(), ct, "-T", binary)).Succeeded();
        var versions = GlibcVersion().Matches(symbols.Stdout).Select(m => Version.Parse(m.Groups[1].Value)).ToList();
        Assert.True(versions.Count > 0, $"no GLIBC_ symbol version in objdump -T {binary}");
        return versions.Max()!;
    }

    // "0000000000000000      DF *UND*	0000000000000000 (GLIBC_2.2.5) log"
    [GeneratedRegex(@"\(GLIBC_(\d+\.\d+(?:\.\d+)?)\)")]
    private static partial Regex GlibcVersion();
}
