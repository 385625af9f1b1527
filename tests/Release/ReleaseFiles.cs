using Concorde.Tests.Contrib;

namespace Concorde.Tests.Release;

/// <summary>What `./build.sh release` made (CONCORDE_RELEASE_DIR, out/release) and the Debian 11 roots it linked
/// against (CONCORDE_SYSROOT_DIR, out/sysroot, made by release/sysroot.sh). `./build.sh test` builds both and sets
/// the variables; without them these tests fail, never skip.</summary>
internal static class ReleaseFiles
{
    public static string Binary(string runtimeIdentifier) =>
        Required(Path.Combine(Folder("CONCORDE_RELEASE_DIR"), $"concorde-{DebianPackage.ProjectVersion}-{runtimeIdentifier}"));

    public static string Package(string debianArchitecture) =>
        Required(Path.Combine(Folder("CONCORDE_RELEASE_DIR"), $"concorde_{DebianPackage.ProjectVersion}_{debianArchitecture}.deb"));

    /// <summary>The Debian 11 (bullseye) root of <paramref name="debianArchitecture"/>.</summary>
    public static string Root(string debianArchitecture)
    {
        var root = Path.Combine(Folder("CONCORDE_SYSROOT_DIR"), $"bullseye-{debianArchitecture}");
        Required(Path.Combine(root, ".concorde-sysroot")); // written last, once the root is complete
        return root;
    }

    private static string Folder(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } folder
            ? folder
            : throw new InvalidOperationException($"{variable} is not set. Run ./build.sh release, then set CONCORDE_RELEASE_DIR=$PWD/out/release " +
                                                  "and CONCORDE_SYSROOT_DIR=$PWD/out/sysroot — or run ./build.sh test.");

    private static string Required(string path) =>
        File.Exists(path) ? path : throw new InvalidOperationException($"{path} does not exist. Run ./build.sh release.");
}
