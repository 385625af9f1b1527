using System.Diagnostics;
using System.Text.Json.Nodes;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>A pipe or a device where a key, a CA bundle or shaman.json belongs (planted, or a wrong path) ends the
/// command at once with one line naming the file — never a run that hangs holding the lock, never memory read
/// without end. The published binary, as an administrator runs it.</summary>
public sealed class SpecialFileTests : IDisposable
{
    private const string Unreachable = "https://127.0.0.1:9/dir";
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _directory = new("concorde-special-");

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string> Bundles => new("/dev/zero", "fifo");

    [Theory]
    [MemberData(nameof(Bundles))]
    public async Task Ca_bundle_that_is_a_device_or_a_pipe_fails_at_once_with_one_line(string bundle)
    {
        var path = bundle == "fifo" ? SpecialFiles.Fifo(_directory.Combine("bundle.pem")) : bundle;
        var clock = Stopwatch.StartNew();

        var run = await ConcordeBinary.RunAsync(["--ca-bundle", path, "directory", Unreachable], CancellationToken.None);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal($"concorde: error: {path}: cannot read the CA bundle: it is not a regular file (a pipe, socket or device); refused", run.Stderr.TrimEnd('\n'));
        Assert.True(clock.Elapsed < Quick, $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Account_key_that_is_a_pipe_fails_at_once_naming_it()
    {
        var key = SpecialFiles.Fifo(_directory.Combine("account.key"));

        var run = await ConcordeBinary.RunAsync(["unreg", key, Unreachable, "status"], CancellationToken.None);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains($"{key}: is not a regular file (a pipe, socket or device); refused", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Domain_key_that_is_a_pipe_fails_its_domain_and_the_run_ends()
    {
        SpecialFiles.Fifo(_directory.Combine("pipe.example.com.key.priv.pem"));
        await File.WriteAllTextAsync(_directory.Combine("shaman.json"), new JsonObject
        {
            ["server"] = Unreachable,
            ["authenticators"] = new JsonObject { ["http-01"] = "/bin/true" },
            ["domains"] = new JsonObject { ["pipe.example.com"] = new JsonObject { ["key"] = "pipe.example.com.key.priv.pem" } },
        }.ToJsonString());
        var clock = Stopwatch.StartNew();

        var run = (await ShamanProcess.RunAsync([_directory.Path], timeout: Quick)).Exited(1);

        Assert.Contains(run.ErrorLines, l => l.StartsWith("ERROR pipe.example.com: ", StringComparison.Ordinal)
                                              && l.Contains("is not a regular file (a pipe, socket or device); refused", StringComparison.Ordinal));
        Assert.True(clock.Elapsed < Quick, $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Profile_file_that_is_a_pipe_is_a_configuration_error()
    {
        var profile = SpecialFiles.Fifo(_directory.Combine("shaman.json"));

        var run = (await ShamanProcess.RunAsync([_directory.Path], timeout: Quick)).Exited(2);

        Assert.Contains($"shaman: {profile}: is not a regular file (a pipe, socket or device); refused", run.Stderr, StringComparison.Ordinal);
    }
}
