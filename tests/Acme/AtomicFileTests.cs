using System.Text;
using Concorde.Acme.Files;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>What a rewrite keeps: an administrator's mode, owner and group on the file it replaces. A file that
/// did not exist gets the mode the caller asks for.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Theory]
    [InlineData("600")]
    [InlineData("640")]
    // Group-writable: the umask (022 here) would drop g+w from the create mode, so only setting the exact mode keeps it.
    [InlineData("664")]
    public async Task Overwritten_file_keeps_its_mode(string octal)
    {
        var mode = (UnixFileMode)Convert.ToInt32(octal, 8);
        var path = directory.Combine("shaman.json");
        await File.WriteAllTextAsync(path, "old");
        File.SetUnixFileMode(path, mode);

        await WriteAsync(path, "new", AtomicFile.PublicMode, overwrite: true);

        Assert.Equal("new", await File.ReadAllTextAsync(path));
        Assert.Equal(octal, Octal(File.GetUnixFileMode(path)));
        Assert.Equal(["shaman.json"], Directory.GetFiles(directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Overwritten_file_keeps_its_owner_and_group_when_running_as_root()
    {
        var path = directory.Combine("example.com.cert.pub.pem");
        await File.WriteAllTextAsync(path, "old");
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("640", 8));
        // As root the file goes to root:daemon (standing in for root:ssl-cert); otherwise it stays ours.
        var before = Environment.IsPrivilegedProcess ? (0u, FileOwnership.DaemonGroup) : FileOwnership.Of(path);
        if (Environment.IsPrivilegedProcess) FileOwnership.Set(path, before.Item1, before.Item2);

        await WriteAsync(path, "new", AtomicFile.PublicMode, overwrite: true);

        Assert.Equal("new", await File.ReadAllTextAsync(path));
        Assert.Equal("640", Octal(File.GetUnixFileMode(path)));
        Assert.Equal(before, FileOwnership.Of(path));
    }

    [Theory]
    [InlineData(true, "644")]
    [InlineData(false, "600")]
    public async Task New_file_gets_the_mode_asked_for(bool overwrite, string octal)
    {
        var path = directory.Combine("new.pem");

        await WriteAsync(path, "new", (UnixFileMode)Convert.ToInt32(octal, 8), overwrite);

        Assert.Equal(octal, Octal(File.GetUnixFileMode(path)));
    }

    /// <summary>rename(2) replaces the link, not the file it points to, so that file lends neither mode nor owner.</summary>
    [Fact]
    public async Task Overwritten_symlink_is_replaced_by_a_file_with_the_mode_asked_for()
    {
        var outside = directory.Combine("outside.pem");
        await File.WriteAllTextAsync(outside, "outside");
        File.SetUnixFileMode(outside, (UnixFileMode)Convert.ToInt32("666", 8));
        var path = directory.Combine("link.pem");
        File.CreateSymbolicLink(path, outside);

        await WriteAsync(path, "new", AtomicFile.PublicMode, overwrite: true);

        Assert.Null(new FileInfo(path).LinkTarget);
        Assert.Equal("644", Octal(File.GetUnixFileMode(path)));
        Assert.Equal("outside", await File.ReadAllTextAsync(outside));
    }

    private static Task WriteAsync(string path, string text, UnixFileMode mode, bool overwrite) =>
        AtomicFile.WriteAsync(path, Encoding.ASCII.GetBytes(text), mode, overwrite, CancellationToken.None);

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8);
}
