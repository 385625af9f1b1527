using System.Text.RegularExpressions;
using Concorde.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Concorde.Tests.Contrib;

/// <summary>contrib/deb/build-deb.sh (`./build.sh deb`): the package lintian accepts, with exactly the promised files,
/// the csproj's version, the dependencies read off the binary, no maintainer script; it installs into a throwaway
/// root, runs from there and is purged without leaving a file behind.</summary>
public sealed partial class DebianPackageTests(DebianPackage package, ITestOutputHelper output) : IClassFixture<DebianPackage>
{
    /// <summary>Every file and link of the package: mode, path, link target.</summary>
    private static readonly string[] Contents =
    [
        "-rwxr-xr-x ./usr/bin/concorde",
        "lrwxrwxrwx ./usr/bin/shaman -> concorde",
        "-rw-r--r-- ./usr/lib/systemd/system/shaman@.service",
        "-rw-r--r-- ./usr/lib/systemd/system/shaman@.timer",
        "-rw-r--r-- ./usr/share/bash-completion/completions/concorde",
        "lrwxrwxrwx ./usr/share/bash-completion/completions/shaman -> concorde",
        "-rw-r--r-- ./usr/share/doc/concorde/changelog.gz",
        "-rw-r--r-- ./usr/share/doc/concorde/copyright",
        "-rwxr-xr-x ./usr/share/doc/concorde/examples/authenticators/dns01-lexicon",
        "-rwxr-xr-x ./usr/share/doc/concorde/examples/authenticators/dns01-nsupdate",
        "-rwxr-xr-x ./usr/share/doc/concorde/examples/authenticators/http01-webroot",
        "-rw-r--r-- ./usr/share/doc/concorde/examples/cron/shaman",
        "-rwxr-xr-x ./usr/share/doc/concorde/examples/deploy/reload-nginx",
        "-rwxr-xr-x ./usr/share/doc/concorde/examples/notify/mail",
        "-rwxr-xr-x ./usr/share/doc/concorde/examples/notify/webhook",
        "-rw-r--r-- ./usr/share/lintian/overrides/concorde",
        "-rw-r--r-- ./usr/share/man/man1/concorde.1.gz",
        "-rw-r--r-- ./usr/share/man/man5/shaman.json.5.gz",
        "-rw-r--r-- ./usr/share/man/man8/shaman.8.gz",
    ];

    [Fact]
    public async Task Lintian_finds_no_error_and_no_warning()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        await DebianPackage.AssertLintianAcceptsAsync(package.Path, output, ct);
    }

    [Fact]
    public async Task The_package_holds_exactly_the_promised_files_owned_by_root()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        var listing = (await DebianPackage.RunAsync(ContribScript.Locate("dpkg-deb", "dpkg"), ct, "--contents", package.Path)).Succeeded();

        // "-rw-r--r-- root/root  908 2026-11-27 11:57 ./usr/lib/systemd/system/shaman@.timer"
        var entries = listing.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.All(entries, e => Assert.Equal("root/root", e[1]));
        Assert.Equal(Contents.Order(StringComparer.Ordinal),
            entries.Where(e => e[0][0] != 'd').Select(e => $"{e[0]} {e[5]}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_version_is_the_csproj_version_in_the_name_the_control_file_and_the_changelog()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var version = DebianPackage.ProjectVersion;

        Assert.Matches(@"^\d+\.\d+\.\d+", version);
        Assert.Equal(version, await package.FieldAsync("Version", ct));
        Assert.Equal($"concorde_{version}_{await package.FieldAsync("Architecture", ct)}.deb", System.IO.Path.GetFileName(package.Path));
    }

    [Fact]
    public async Task Depends_names_the_packages_of_the_libraries_the_binary_loads_and_no_other()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        // The libraries the loader maps (ldd), and libssl, which .NET opens at run time.
        var ldd = (await DebianPackage.RunAsync(ContribScript.Locate("ldd", "libc-bin"), ct, ConcordeBinary.Path)).Succeeded();
        var libraries = LddPath().Matches(ldd.Stdout).Select(m => m.Groups[1].Value).ToList();
        var ldconfig = (await DebianPackage.RunAsync(ContribScript.Locate("ldconfig", "libc-bin"), ct, "-p")).Succeeded();
        libraries.Add(LibSsl3().Match(ldconfig.Stdout).Groups[1].Value);
        var owners = new HashSet<string>();
        foreach (var library in libraries)
        {
            var owner = await DebianPackage.RunAsync(ContribScript.Locate("dpkg", "dpkg"), ct, "-S", library);
            // Where /lib is merged into /usr/lib, a package may list the file under either name.
            if (owner.ExitCode != 0) owner = await DebianPackage.RunAsync(ContribScript.Locate("dpkg", "dpkg"), ct, "-S", "/usr" + library);
            owners.Add(owner.Succeeded().Stdout.Split(':')[0]);
        }

        var depends = await package.FieldAsync("Depends", ct);
        output.WriteLine($"Depends: {depends}");
        Assert.Equal(owners.Order(), depends.Split(", ").Select(d => d.Split(' ')[0]).Order());
    }

    [Fact]
    public async Task No_maintainer_script_runs_at_install_or_removal()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        using var control = new TempDirectory();

        (await DebianPackage.RunAsync(ContribScript.Locate("dpkg-deb", "dpkg"), ct, "--control", package.Path, control.Path)).Succeeded();

        Assert.Equal(["control", "md5sums"], Directory.GetFiles(control.Path).Select(System.IO.Path.GetFileName).Order());
    }

    [Fact]
    public async Task The_package_installs_into_a_throwaway_root_runs_there_and_purges_without_a_trace()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        using var root = new TempDirectory("concorde-root-");
        await PrepareAdminDirectoryAsync(root, ct);
        var dpkg = ContribScript.Locate("dpkg", "dpkg");

        var install = (await DebianPackage.RunAsync(dpkg, ct, $"--root={root.Path}", "--install", package.Path)).Succeeded();
        Assert.True(install.Stderr.Length == 0, install.ToString());

        var version = (await DebianPackage.RunAsync(root.Combine("usr/bin/shaman"), ct, "--version")).Succeeded();
        Assert.StartsWith($"shaman (concorde) {DebianPackage.ProjectVersion} (linux-x64, ", version.Stdout, StringComparison.Ordinal);
        var execStart = File.ReadAllLines(root.Combine("usr/lib/systemd/system/shaman@.service")).Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        Assert.Equal("ExecStart=/usr/bin/shaman --quiet /etc/shaman/%I", execStart);
        Assert.Contains("/usr/bin/shaman --quiet", File.ReadAllText(root.Combine("usr/share/doc/concorde/examples/cron/shaman")));
        Assert.False(Directory.Exists(root.Combine("etc")), "installing must enable nothing");

        var purge = (await DebianPackage.RunAsync(dpkg, ct, $"--root={root.Path}", "--purge", "concorde")).Succeeded();
        Assert.True(purge.Stderr.Length == 0, purge.ToString());
        var left = Directory.EnumerateFileSystemEntries(root.Path, "*", SearchOption.AllDirectories)
            .Select(p => System.IO.Path.GetRelativePath(root.Path, p))
            .Where(p => !p.StartsWith("var/lib/dpkg", StringComparison.Ordinal) && p is not ("var" or "var/lib"));
        Assert.Empty(left);
    }

    /// <summary>dpkg's database in <paramref name="root"/>: empty but for the packages concorde depends on, copied
    /// from this machine's (installed, without files in the throwaway root), so that dpkg checks the dependencies.</summary>
    private async Task PrepareAdminDirectoryAsync(TempDirectory root, CancellationToken ct)
    {
        foreach (var directory in new[] { "var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers" })
            Directory.CreateDirectory(root.Combine(directory));
        File.WriteAllText(root.Combine("var/lib/dpkg/available"), "");
        var stanzas = new List<string>();
        foreach (var dependency in (await package.FieldAsync("Depends", ct)).Split(", ").Select(d => d.Split(' ')[0]))
        {
            var status = (await DebianPackage.RunAsync(ContribScript.Locate("dpkg-query", "dpkg"), ct, "--status", dependency)).Succeeded();
            stanzas.Add(status.Stdout.TrimEnd() + "\n");
            var architecture = (await DebianPackage.RunAsync(ContribScript.Locate("dpkg-query", "dpkg"), ct,
                "--show", "--showformat=${Architecture} ${Multi-Arch}", dependency)).Succeeded().Stdout.Split(' ');
            var listName = architecture[1] == "same" ? $"{dependency}:{architecture[0]}" : dependency;
            File.WriteAllText(root.Combine($"var/lib/dpkg/info/{listName}.list"), "");
        }
        File.WriteAllText(root.Combine("var/lib/dpkg/status"), string.Join("\n", stanzas));
    }

    [GeneratedRegex(@"=> (/\S+)")]
    private static partial Regex LddPath();

    [GeneratedRegex(@"libssl\.so\.3 \([^)]*x86-64[^)]*\) => (\S+)")]
    private static partial Regex LibSsl3();
}
