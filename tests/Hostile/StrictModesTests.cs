using System.Diagnostics;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>StrictModes: the published binary refuses a profile another user could change — its
/// directory, shaman.json (or a symlink's target), a program it names or that program's directory — with exit 2,
/// one line naming the path and the fix, and nothing in the sandbox changed; once fixed, the run goes on (to the
/// unreachable CA, exit 1). A per-domain "deploy" of "true", found on PATH in a root-owned 0755 directory, is in
/// every profile and never refused.</summary>
public sealed class StrictModesTests
{
    private const string Unreachable = "https://127.0.0.1:9/dir";
    private const uint Nobody = 65534;

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var kind in new[] { "profile directory", "shaman.json", "symlink target", "authenticator", "authenticator directory", "deploy", "notify" })
            foreach (var looseness in new[] { "group-writable", "other-writable", "owned by nobody" })
                cases.Add(kind, looseness);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_path_another_user_could_change_is_refused_and_the_fixed_one_runs(string kind, string looseness)
    {
        using var sandbox = new Sandbox();
        var profile = Directory.CreateDirectory(Path.Combine(sandbox.Nest, "profile")).FullName;
        var bin = Directory.CreateDirectory(Path.Combine(sandbox.Nest, "bin")).FullName;
        var real = Directory.CreateDirectory(Path.Combine(sandbox.Nest, "real")).FullName;
        var authenticator = kind == "authenticator directory" ? Path.Combine(bin, "auth.sh") : "auth.sh";
        var json = "{\"server\": \"" + Unreachable + "\", \"authenticators\": {\"http-01\": \"" + authenticator + "\"}, " +
                   "\"deploy\": \"" + Path.Combine(bin, "deploy.sh") + "\", \"notify\": \"" + Path.Combine(bin, "notify.sh") + "\", " +
                   "\"domains\": {\"a.example.com\": {\"deploy\": \"true\"}}}";
        var shamanJson = Path.Combine(profile, "shaman.json");
        if (kind == "symlink target")
        {
            await File.WriteAllTextAsync(Path.Combine(real, "shaman.json"), json);
            File.CreateSymbolicLink(shamanJson, Path.Combine(real, "shaman.json"));
        }
        else
        {
            await File.WriteAllTextAsync(shamanJson, json);
        }
        foreach (var program in new[] { Path.Combine(profile, "auth.sh"), Path.Combine(bin, "auth.sh"), Path.Combine(bin, "deploy.sh"), Path.Combine(bin, "notify.sh") })
        {
            await File.WriteAllTextAsync(program, "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var target = kind switch
        {
            "profile directory" => profile,
            "shaman.json" => shamanJson,
            "symlink target" => Path.Combine(real, "shaman.json"),
            "authenticator" => Path.Combine(profile, "auth.sh"),
            "authenticator directory" => bin,
            "deploy" => Path.Combine(bin, "deploy.sh"),
            _ => Path.Combine(bin, "notify.sh"),
        };
        var isDirectory = Directory.Exists(target);
        var (owner, group) = FileOwnership.Of(target);
        switch (looseness)
        {
            case "group-writable": Chmod("g+w", target); break;
            // A world-writable directory is refused even with the sticky bit (/tmp's 1777).
            case "other-writable": Chmod(isDirectory ? "1777" : "o+w", target); break;
            default: FileOwnership.Set(target, Nobody, group); break;
        }
        var before = DirectorySnapshot.Take(sandbox.Root);

        var refused = await ShamanProcess.RunAsync([profile]);

        Assert.True(refused.ExitCode == 2, $"{kind} {looseness}: expected exit status 2{Environment.NewLine}{refused}");
        var fix = looseness == "owned by nobody" ? "chown" : "chmod go-w";
        ShamanRefusal.AssertOneLine(refused, [target, fix]);
        DirectorySnapshot.AssertUnchanged(before, DirectorySnapshot.Take(sandbox.Root), $"{kind} {looseness}");
        Assert.False(File.Exists(Path.Combine(profile, ".shaman.lock")), "no lock file is left");

        if (looseness == "owned by nobody") FileOwnership.Set(target, owner, group);
        else Chmod(isDirectory ? "0755" : "go-w", target);
        var fixedRun = await ShamanProcess.RunAsync([profile]);

        Assert.True(fixedRun.ExitCode == 1, $"{kind} {looseness} fixed: expected the run to reach the unreachable CA (exit 1){Environment.NewLine}{fixedRun}");
    }

    private static void Chmod(string mode, string path)
    {
        using var process = Process.Start("chmod", [mode, path]);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
