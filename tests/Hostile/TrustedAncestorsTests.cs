using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>StrictModes over the whole path: a user who owns, or may write, any directory above the profile, above
/// shaman.json's symlink target, above a program or above the CA bundle could swap in their own file while root runs
/// shaman. The published binary refuses each (exit 2, one line naming that directory and the fix, nothing changed, no
/// lock file); a sticky world-writable directory above (as /tmp, where these sandboxes live) is allowed, because
/// nobody but the owner of the entry below it can rename or remove that entry; the fixed path runs.</summary>
public sealed class TrustedAncestorsTests
{
    private const string Unreachable = "https://127.0.0.1:9/dir";
    private const uint Nobody = 65534;

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var kind in new[] { "above the profile", "above the symlink target", "above a program", "above the CA bundle", "holding a symlinked profile" })
            foreach (var looseness in new[] { "group-writable", "other-writable", "owned by nobody" })
                cases.Add(kind, looseness);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_directory_above_a_trusted_path_that_another_user_could_change_is_refused_and_the_fixed_one_runs(string kind, string looseness)
    {
        using var sandbox = new Sandbox();
        var layout = await Layout.CreateAsync(sandbox, symlinkTarget: kind == "above the symlink target", symlinkedProfile: kind == "holding a symlinked profile");
        var loose = kind switch
        {
            "above the profile" => sandbox.Nest,
            "above the symlink target" => layout.ConfigurationRepository,
            "above a program" => layout.Tools,
            "above the CA bundle" => layout.Certificates,
            _ => sandbox.Outside,
        };
        var (owner, group) = FileOwnership.Of(loose);
        switch (looseness)
        {
            case "group-writable": Chmod("0775", loose); break;
            case "other-writable": Chmod("0777", loose); break;
            default: FileOwnership.Set(loose, Nobody, group); break;
        }
        var before = DirectorySnapshot.Take(sandbox.Root);

        var refused = await ShamanProcess.RunAsync([layout.Profile]);

        Assert.True(refused.ExitCode == 2, $"{kind} {looseness}: expected exit status 2{Environment.NewLine}{refused}");
        ShamanRefusal.AssertOneLine(refused, [loose + " (a directory above ", looseness == "owned by nobody" ? "chown" : "chmod go-w"]);
        DirectorySnapshot.AssertUnchanged(before, DirectorySnapshot.Take(sandbox.Root), $"{kind} {looseness}");
        Assert.False(File.Exists(Path.Combine(layout.Profile, ".shaman.lock")), "no lock file is left");

        if (looseness == "owned by nobody") FileOwnership.Set(loose, owner, group);
        else Chmod("0755", loose);
        var fixedRun = await ShamanProcess.RunAsync([layout.Profile]);

        Assert.True(fixedRun.ExitCode == 1, $"{kind} {looseness} fixed: expected the run to reach the unreachable CA (exit 1){Environment.NewLine}{fixedRun}");
    }

    [Fact]
    public async Task A_sticky_world_writable_directory_above_is_allowed_but_not_as_the_directory_holding_a_program()
    {
        using var sandbox = new Sandbox();
        var layout = await Layout.CreateAsync(sandbox, symlinkTarget: false, symlinkedProfile: false);
        Chmod("1777", sandbox.Nest);
        Chmod("1777", layout.Tools);

        var allowed = await ShamanProcess.RunAsync([layout.Profile]);

        Assert.True(allowed.ExitCode == 1, $"expected the run to reach the unreachable CA (exit 1){Environment.NewLine}{allowed}");

        Chmod("1777", layout.Bin);
        var refused = await ShamanProcess.RunAsync([layout.Profile]);

        Assert.True(refused.ExitCode == 2, $"expected exit status 2{Environment.NewLine}{refused}");
        ShamanRefusal.AssertOneLine(refused, [layout.Bin + " (the directory holding the", "writable by every user"]);
    }

    private static void Chmod(string mode, string path)
    {
        using var process = Process.Start("chmod", [mode, path]);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    /// <summary>sandbox/nest/profile (or a symlink there to sandbox/outside/profile) with shaman.json (or a symlink to
    /// nest/repository/conf/shaman.json), naming nest/tools/bin/auth.sh and nest/certificates/ca/bundle.pem.</summary>
    private sealed record Layout(string Profile, string ConfigurationRepository, string Tools, string Bin, string Certificates)
    {
        public static async Task<Layout> CreateAsync(Sandbox sandbox, bool symlinkTarget, bool symlinkedProfile)
        {
            string Make(string path) => Directory.CreateDirectory(path).FullName;
            var profile = Path.Combine(sandbox.Nest, "profile");
            if (symlinkedProfile) File.CreateSymbolicLink(profile, Make(Path.Combine(sandbox.Outside, "profile")));
            else Make(profile);
            var repository = Make(Path.Combine(sandbox.Nest, "repository"));
            var tools = Make(Path.Combine(sandbox.Nest, "tools"));
            var bin = Make(Path.Combine(tools, "bin"));
            var certificates = Make(Path.Combine(sandbox.Nest, "certificates"));
            var bundle = Path.Combine(Make(Path.Combine(certificates, "ca")), "bundle.pem");
            await File.WriteAllTextAsync(bundle, SelfSignedPem());
            var authenticator = Path.Combine(bin, "auth.sh");
            await File.WriteAllTextAsync(authenticator, "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(authenticator, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var json = "{\"server\": \"" + Unreachable + "\", \"caBundle\": \"" + bundle + "\", " +
                       "\"authenticators\": {\"http-01\": \"" + authenticator + "\"}, \"domains\": {\"a.example.com\": {}}}";
            var shamanJson = Path.Combine(profile, "shaman.json");
            if (symlinkTarget)
            {
                var real = Path.Combine(Make(Path.Combine(repository, "conf")), "shaman.json");
                await File.WriteAllTextAsync(real, json);
                File.CreateSymbolicLink(shamanJson, real);
            }
            else
            {
                await File.WriteAllTextAsync(shamanJson, json);
            }
            return new Layout(profile, repository, tools, bin, certificates);
        }

        private static string SelfSignedPem()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
            using var certificate = new CertificateRequest("CN=trusted-ancestors test root", key, HashAlgorithmName.SHA384)
                .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            return certificate.ExportCertificatePem();
        }
    }
}
