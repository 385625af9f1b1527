using System.Diagnostics;
using Concorde.Acme.Files;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>Files that must be small regular files are read from the descriptor that was checked: a pipe is refused
/// at once instead of blocking, a device or a link to one is refused instead of read until memory runs out, a
/// directory and an oversized file are refused, each with the file's name.</summary>
public sealed class RegularFileTests : IDisposable
{
    private readonly TempDirectory _directory = new("concorde-regular-");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Regular_file_is_read_whole()
    {
        var path = _directory.Combine("key.pem");
        File.WriteAllText(path, "-----BEGIN PRIVATE KEY-----\n");

        Assert.Equal("-----BEGIN PRIVATE KEY-----\n"u8.ToArray(), RegularFile.ReadAll(path, 1024));
    }

    [Fact]
    public void Pipe_without_a_writer_is_refused_at_once()
    {
        var path = SpecialFiles.Fifo(_directory.Combine("fifo.pem"));
        var clock = Stopwatch.StartNew();

        var e = Assert.Throws<RegularFileException>(() => RegularFile.ReadAll(path, 1024));

        Assert.Equal($"{path}: is not a regular file (a pipe, socket or device); refused", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/null")]
    public void Device_and_a_link_to_it_are_refused_unread(string device)
    {
        var link = _directory.Combine("key.pem");
        File.CreateSymbolicLink(link, device);

        Assert.Equal("is not a regular file (a pipe, socket or device); refused", Assert.Throws<RegularFileException>(() => RegularFile.ReadAll(device, 1024)).Reason);
        Assert.Equal(link, Assert.Throws<RegularFileException>(() => RegularFile.ReadAll(link, 1024)).Path);
    }

    [Fact]
    public void Directory_is_refused()
    {
        Assert.Equal("is a directory, not a file", Assert.Throws<RegularFileException>(() => RegularFile.ReadAll(_directory.Path, 1024)).Reason);
    }

    [Fact]
    public void File_larger_than_the_cap_is_refused_unread()
    {
        var path = _directory.Combine("image");
        using (var stream = File.Create(path)) stream.SetLength(1L << 30); // sparse: costs no disk

        var e = Assert.Throws<RegularFileException>(() => RegularFile.ReadAll(path, 64 * 1024));

        Assert.Equal($"is {1L << 30} bytes, too large for such a file (at most 65536); refused", e.Reason);
    }

    [Fact]
    public void Missing_file_is_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => RegularFile.ReadAll(_directory.Combine("missing"), 1024));
    }
}
