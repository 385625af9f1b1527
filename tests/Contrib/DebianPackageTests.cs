using System.Text.RegularExpressions;
using Concorde.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Concorde.Tests.Contrib;

/// <summary>contrib/deb/build-deb.sh (`./build.sh deb`): the package lintian accepts, with exactly the promised files,
/// the csproj's version, the dependencies read off the binary, no postinst; it installs into a throwaway root, runs
/// from there (its programs too, by the paths a profile names) and is purged without leaving a file or an enabled
/// timer behind.</summary>
public sealed partial class DebianPackageTests(DebianPackage package, ITestOutputHelper output) : IClassFixture<DebianPackage>
{
    /// <summary>Every file and link of the package: mode, path, link target.</summary>
    private static readonly string[] Contents =
    [
        "-rwxr-xr-x ./usr/bin/concorde",
        "lrwxrwxrwx ./usr/bin/shaman -> concorde",
        "-rwxr-xr-x ./usr/lib/concorde/authenticators/dns01-lexicon",
        "lrwxrwxrwx ./usr/lib/concorde/authenticators/dns01-lexicon-cleanup -> dns01-lexicon",
        "-rwxr-xr-x ./usr/lib/concorde/authenticators/dns01-nsupdate",
        "lrwxrwxrwx ./usr/lib/concorde/authenticators/dns01-nsupdate-cleanup -> dns01-nsupdate",
        "-rwxr-xr-x ./usr/lib/concorde/authenticators/http01-webroot",
        "lrwxrwxrwx ./usr/lib/concorde/authenticators/http01-webroot-cleanup -> http01-webroot",
        "-rwxr-xr-x ./usr/lib/concorde/deploy/reload-nginx",
        "-rwxr-xr-x ./usr/lib/concorde/notify/mail",
        "-rwxr-xr-x ./usr/lib/concorde/notify/webhook",
        "-rw-r--r-- ./usr/lib/concorde/systemd/metrics.conf",
        "-rw-r--r-- ./usr/lib/systemd/system/shaman@.service",
        "-rw-r--r-- ./usr/lib/systemd/system/shaman@.timer",
        "-rw-r--r-- ./usr/share/bash-completion/completions/concorde",
        "lrwxrwxrwx ./usr/share/bash-completion/completions/shaman -> concorde",
        "-rw-r--r-- ./usr/share/doc/concorde/changelog.gz",
        "-rw-r--r-- ./usr/share/doc/concorde/copyright",
        "-rw-r--r-- ./usr/share/concorde/prometheus/concorde-rules.test.yml",
        "-rw-r--r-- ./usr/share/concorde/prometheus/concorde-rules.yml",
        "-rw-r--r-- ./usr/share/doc/concorde/examples/cron/shaman",
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
        // shaman's StrictModes refuse a program under a directory that group or others may write.
        Assert.All(entries.Where(e => e[0][0] == 'd'), e => Assert.Equal("drwxr-xr-x", e[0]));
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
    public async Task Installing_runs_no_script_and_removal_runs_the_shipped_prerm_and_postrm()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        using var control = new TempDirectory();

        (await DebianPackage.RunAsync(ContribScript.Locate("dpkg-deb", "dpkg"), ct, "--control", package.Path, control.Path)).Succeeded();

        Assert.Equal(["control", "md5sums", "postrm", "prerm"], Directory.GetFiles(control.Path).Select(System.IO.Path.GetFileName).Order());
        foreach (var script in new[] { "prerm", "postrm" })
            Assert.Equal(File.ReadAllText(ContribScript.PathOf($"deb/{script}")), File.ReadAllText(control.Combine(script)));
    }

    [Fact]
    public async Task The_package_installs_into_a_throwaway_root_runs_there_and_purges_without_a_trace()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        using var root = new TempDirectory("concorde-root-");
        await PrepareAdminDirectoryAsync(root, ct);
        var dpkg = ContribScript.Locate("dpkg", "dpkg");

        // The maintainer scripts run on this machine's /bin/sh with DPKG_ROOT set to the root, instead of chrooted
        // into a root that has no shell.
        var install = (await DebianPackage.RunAsync(dpkg, ct, $"--root={root.Path}", "--force-script-chrootless", "--install", package.Path)).Succeeded();
        Assert.True(install.Stderr.Length == 0, install.ToString());

        var version = (await DebianPackage.RunAsync(root.Combine("usr/bin/shaman"), ct, "--version")).Succeeded();
        Assert.StartsWith($"shaman (concorde) {DebianPackage.ProjectVersion} (linux-x64, ", version.Stdout, StringComparison.Ordinal);
        var execStart = File.ReadAllLines(root.Combine("usr/lib/systemd/system/shaman@.service")).Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        Assert.Equal("ExecStart=/usr/bin/shaman --quiet /etc/shaman/%I", execStart);
        Assert.Contains("/usr/bin/shaman --quiet", File.ReadAllText(root.Combine("usr/share/doc/concorde/examples/cron/shaman")));
        Assert.False(Directory.Exists(root.Combine("etc")), "installing must enable nothing");
        await AssertShamanAcceptsTheInstalledProgramsAsync(root, ct);

        // What `systemctl enable shaman@example.timer` and `shaman@other.timer` make (WantedBy=timers.target).
        var wants = Directory.CreateDirectory(root.Combine("etc/systemd/system/timers.target.wants")).FullName;
        File.CreateSymbolicLink(System.IO.Path.Combine(wants, "shaman@example.timer"), "/usr/lib/systemd/system/shaman@.timer");
        File.CreateSymbolicLink(System.IO.Path.Combine(wants, "shaman@other.timer"), "/usr/lib/systemd/system/shaman@.timer");
        var purge = (await DebianPackage.RunAsync(dpkg, ct, $"--root={root.Path}", "--force-script-chrootless", "--purge", "concorde")).Succeeded();
        Assert.True(purge.Stderr.Length == 0, purge.ToString());
        // The administrator's directories under etc/ stay (they are not the package's); no link or file does.
        var left = Directory.EnumerateFileSystemEntries(root.Path, "*", SearchOption.AllDirectories)
            .Where(p => !Directory.Exists(p) || new FileInfo(p).LinkTarget is not null)
            .Select(p => System.IO.Path.GetRelativePath(root.Path, p))
            .Where(p => !p.StartsWith("var/lib/dpkg", StringComparison.Ordinal));
        Assert.Empty(left);
    }

    /// <summary>A profile naming the installed authenticator, deploy and notify programs by their /usr/lib/concorde
    /// paths passes `shaman --dry-run`, which applies StrictModes to every directory on the way to each program.</summary>
    private static async Task AssertShamanAcceptsTheInstalledProgramsAsync(TempDirectory root, CancellationToken ct)
    {
        using var profile = new TempDirectory("concorde-profile-");
        var programs = root.Combine("usr/lib/concorde");
        File.WriteAllText(profile.Combine("shaman.json"), $$"""
            {
                "server": "https://acme.invalid/directory",
                "authenticators": { "http-01": "{{programs}}/authenticators/http01-webroot", "dns-01": "{{programs}}/authenticators/dns01-nsupdate" },
                "cleanup": { "http-01": "{{programs}}/authenticators/http01-webroot-cleanup" },
                "deploy": "{{programs}}/deploy/reload-nginx",
                "notify": "{{programs}}/notify/webhook",
                "domains": { "example.com": {} }
            }
            """);

        var dryRun = await DebianPackage.RunAsync(root.Combine("usr/bin/shaman"), ct, "--dry-run", profile.Path);

        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
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
