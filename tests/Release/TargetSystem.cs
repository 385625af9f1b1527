using Concorde.Tests.Contrib;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Release;

/// <summary>A system a release binary is proven on, and how to start the binary there: the x86-64 one in a Debian 11
/// chroot, the arm64 one under qemu-aarch64-static with the arm64 Debian 11 root for its libraries (both with OpenSSL
/// 1.1), and the x86-64 one on this machine (OpenSSL 3). The chroot shares this machine's network, so each reaches
/// the suite's Pebble over loopback.</summary>
internal sealed class TargetSystem
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    private readonly string? _chroot;
    private readonly string? _qemuLibraries;

    private TargetSystem(string runtimeIdentifier, string openSslLibrary, string? chroot = null, string? qemuLibraries = null)
    {
        RuntimeIdentifier = runtimeIdentifier;
        OpenSslLibrary = openSslLibrary;
        _chroot = chroot;
        _qemuLibraries = qemuLibraries;
    }

    /// <summary>The names <see cref="Named"/> knows, as xunit MemberData.</summary>
    public static TheoryData<string> Names => ["debian11-x64-chroot", "debian11-arm64-qemu", "host-x64-openssl3"];

    public static TargetSystem Named(string name) => name switch
    {
        "debian11-x64-chroot" => new("linux-x64", "libssl.so.1.1", chroot: ReleaseFiles.Root("amd64")),
        "debian11-arm64-qemu" => new("linux-arm64", "libssl.so.1.1", qemuLibraries: ReleaseFiles.Root("arm64")),
        "host-x64-openssl3" => new("linux-x64", "libssl.so.3"),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such system"),
    };

    public string RuntimeIdentifier { get; }

    /// <summary>The OpenSSL library the binary opens there: the only one the system has that .NET knows.</summary>
    public string OpenSslLibrary { get; }

    /// <summary>A directory the system sees (inside the root, for the chroot), with the binary in bin/ as
    /// <c>concorde</c> and <c>shaman</c>.</summary>
    public TempDirectory NewWorkspace()
    {
        var workspace = _chroot is null ? new TempDirectory("concorde-release-") : new TempDirectory("concorde-release-", Path.Combine(_chroot, "tmp"));
        Directory.CreateDirectory(workspace.Combine("bin"));
        File.Copy(ReleaseFiles.Binary(RuntimeIdentifier), workspace.Combine("bin/concorde"));
        File.CreateSymbolicLink(workspace.Combine("bin/shaman"), "concorde");
        return workspace;
    }

    /// <summary>The path under which the system sees <paramref name="path"/>, a file of a workspace.</summary>
    public string Inside(string path) => _chroot is null ? path : "/" + Path.GetRelativePath(_chroot, path);

    /// <summary>Runs the workspace's binary as <paramref name="name"/> (concorde or shaman) with an environment
    /// holding only PATH and <paramref name="environment"/>.</summary>
    public async Task<CliRun> RunAsync(TempDirectory workspace, string name, IReadOnlyList<string> args, CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        IReadOnlyList<string> command = (_chroot, _qemuLibraries) switch
        {
            ({ } root, _) => [ContribScript.Locate("chroot", "coreutils"), root, Inside(workspace.Combine($"bin/{name}")), .. args],
            (_, { } libraries) => [ContribScript.Locate("qemu-aarch64-static", "qemu-user-static"), "-L", libraries, "-0", name, workspace.Combine("bin/concorde"), .. args],
            _ => [workspace.Combine($"bin/{name}"), .. args],
        };
        var start = ChildProcess.Redirected(command[0], command.Skip(1)).WithOnlyPathAnd(environment);
        start.WorkingDirectory = workspace.Path;
        var exit = await ChildProcess.RunAsync(start, stdin: "", RunTimeout, string.Join(' ', command), ct);
        return new CliRun([name, .. args], exit.Code, exit.Stdout, exit.Stderr);
    }
}
