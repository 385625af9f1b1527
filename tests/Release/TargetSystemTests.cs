using System.Security.Cryptography;
using Concorde.Acme.Wire;
using Concorde.Tests.Contrib;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Release;

/// <summary>Each release binary runs where it is copied, not only links for it: on Debian 11 (x86-64 in a chroot,
/// arm64 under qemu) with OpenSSL 1.1, and on this machine with OpenSSL 3, it tells what it is, makes a key and
/// gets a certificate from the suite's Pebble.</summary>
public sealed class TargetSystemTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Theory]
    [MemberData(nameof(TargetSystem.Names), MemberType = typeof(TargetSystem))]
    public async Task Version_names_the_architecture_and_the_commit_it_was_built_from(string systemName)
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var system = TargetSystem.Named(systemName);
        using var workspace = system.NewWorkspace();

        var run = (await system.RunAsync(workspace, "concorde", ["--version"], ct)).Succeeded();

        Assert.Equal($"concorde {DebianPackage.ProjectVersion} ({system.RuntimeIdentifier}, {await SourceCommitAsync(ct)})\n", run.Stdout);
    }

    [Theory]
    [MemberData(nameof(TargetSystem.Names), MemberType = typeof(TargetSystem))]
    public async Task Keys_create_writes_a_P384_key_through_the_system_OpenSSL(string systemName)
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var system = TargetSystem.Named(systemName);
        using var workspace = system.NewWorkspace();

        // The dynamic linker names every library it initializes, the one .NET opens at run time included.
        var run = (await system.RunAsync(workspace, "concorde", ["keys", "create", system.Inside(workspace.Combine("account.pem"))], ct,
            new Dictionary<string, string> { ["LD_DEBUG"] = "libs" })).Succeeded();

        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(workspace.Combine("account.pem")));
        Assert.Equal(384, key.KeySize);
        var openSsl = run.Stderr.Split('\n').Where(l => l.Contains("calling init: ", StringComparison.Ordinal) && l.Contains("/libssl.so", StringComparison.Ordinal)).ToList();
        Assert.True(openSsl.Count == 1 && openSsl[0].EndsWith($"/{system.OpenSslLibrary}", StringComparison.Ordinal),
            $"expected {system.OpenSslLibrary} to be opened, not: {string.Join(", ", openSsl)}");
    }

    [Theory]
    [MemberData(nameof(TargetSystem.Names), MemberType = typeof(TargetSystem))]
    public async Task Shaman_gets_a_certificate_from_Pebble(string systemName)
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var system = TargetSystem.Named(systemName);
        using var workspace = system.NewWorkspace();
        using var profile = new ShamanProfile(pebble.Server, workspace.Path);
        File.Copy(pebble.Server.CaBundlePath, profile.PathOf("pebble-ca.pem"));
        var name = ShamanProfile.UniqueName("release");
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, name);
        config["caBundle"] = system.Inside(profile.PathOf("pebble-ca.pem"));
        profile.Write(config);

        var run = await system.RunAsync(workspace, "shaman", [system.Inside(profile.Directory)], ct);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var leaf = profile.AssertCertificate(name);
    }

    /// <summary>The commit the binaries were built from, as --version abbreviates it; "unknown" outside a git checkout.</summary>
    private static async Task<string> SourceCommitAsync(CancellationToken ct)
    {
        var repository = Path.GetFullPath(Path.Combine(ContribScript.PathOf("deb/build-deb.sh"), "../../.."));
        var git = await ContribScript.RunAsync(ContribScript.Locate("git", "git"), "", new Dictionary<string, string>(), ct, "-C", repository, "rev-parse", "HEAD");
        return git.ExitCode == 0 ? git.Stdout.Trim()[..7] : "unknown";
    }
}
