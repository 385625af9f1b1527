using Concorde.Cli;
using Concorde.Tests.Cli;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>Hostile files given to the manual tool, beyond tests/Cli/CliArgumentTests (which covers missing, extra and
/// malformed arguments and missing files): file arguments that are symlinks, directories or the wrong kind of
/// PEM. Each fails before any network traffic with exit 1 and one line naming the path, and nothing is created
/// outside what the command was asked to write.</summary>
public sealed class CliHostileFileTests
{
    private const string Server = "https://acme.test/dir";

    private static readonly Dictionary<string, (Func<Sandbox, string[]> Args, string Says)> Cases = new()
    {
        ["keys create through a dangling symlink"] = (s =>
        {
            File.CreateSymbolicLink(Path.Combine(s.Nest, "link.key"), s.OutsidePath("planted.key"));
            return ["keys", "create", Path.Combine(s.Nest, "link.key")];
        }, "already exists"),
        ["keys create onto a directory"] = (s => ["keys", "create", s.Outside], "already exists"),
        ["keys create in a missing directory"] = (s => ["keys", "create", Path.Combine(s.Nest, "missing", "new.key")], "cannot be written"),
        ["--ca-bundle is a directory"] = (s => ["--ca-bundle", s.Outside, "directory", Server], "CA bundle"),
        ["--ca-bundle holds a key"] = (s =>
        {
            File.WriteAllText(s.OutsidePath("key.pem"), KeyPem.NewP384());
            return ["--ca-bundle", s.OutsidePath("key.pem"), "directory", Server];
        }, "no certificate"),
        ["account key is a dangling symlink"] = (s =>
        {
            File.CreateSymbolicLink(Path.Combine(s.Nest, "gone.key"), s.OutsidePath("gone.key"));
            return ["unreg", Path.Combine(s.Nest, "gone.key"), Server, "status"];
        }, "cannot be read"),
        ["certificate argument is a key"] = (s =>
        {
            File.WriteAllText(s.OutsidePath("key.pem"), KeyPem.NewP384());
            return ["renewal-info", Server, s.OutsidePath("key.pem")];
        }, "key.pem"),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task File_argument_of_the_wrong_kind_fails_with_one_line_and_writes_nothing(string label)
    {
        var (args, says) = Cases[label];
        using var sandbox = new Sandbox();
        var arguments = args(sandbox);
        var before = DirectorySnapshot.Take(sandbox.Root);

        var run = await InProcessCli.RunOfflineAsync(arguments);

        Assert.True(run.Exit == ExitCodes.Failure, $"{label}: exit {run.Exit}{Environment.NewLine}{run.Error}");
        var line = run.Error.TrimEnd('\n');
        Assert.StartsWith("concorde: error: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
        Assert.Contains(says, line, StringComparison.Ordinal);
        Assert.Empty(run.Output);
        DirectorySnapshot.AssertUnchanged(before, DirectorySnapshot.Take(sandbox.Root), label);
    }

    /// <summary>An empty --eab-hmac-key, though valid base64url (no bytes), is a usage error naming the option (exit 2),
    /// as `--contact ""` is, found offline.</summary>
    [Fact]
    public async Task Empty_eab_mac_key_is_a_usage_error()
    {
        using var sandbox = new Sandbox();
        File.WriteAllText(sandbox.OutsidePath("account.key"), KeyPem.NewP384());

        var run = await InProcessCli.RunOfflineAsync("unreg", sandbox.OutsidePath("account.key"), Server, "create", "--eab-kid", "kid-1", "--eab-hmac-key", "");

        Assert.Equal(ExitCodes.Usage, run.Exit);
        Assert.Contains("--eab-hmac-key", run.Error, StringComparison.Ordinal);
    }
}
