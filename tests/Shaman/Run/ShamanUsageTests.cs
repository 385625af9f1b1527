using System.Text.Json.Nodes;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>Usage and configuration errors exit 2 with one clear message and change nothing; no CA needed
/// (the profiles name a loopback port nobody listens on, and are refused before anything would contact it).</summary>
public sealed class ShamanUsageTests
{
    private const string Unreachable = "https://127.0.0.1:9/dir";

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_prints_usage_and_exits_0(string option)
    {
        var run = (await ShamanProcess.RunAsync([option])).Exited(0);

        Assert.StartsWith("usage: shaman ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("exit status:", run.Stdout, StringComparison.Ordinal);
        Assert.Empty(run.Stderr);
    }

    [Fact]
    public async Task Concorde_shaman_is_the_same_command()
    {
        var run = await ConcordeBinary.RunAsync(["shaman", "--help"], CancellationToken.None);

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("usage: shaman ", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_prints_the_version()
    {
        var run = (await ShamanProcess.RunAsync(["--version"])).Exited(0);

        Assert.Matches(@"^shaman \(concorde\) \d+\.\d+\.\d+ \(linux-(x64|arm64), ([0-9a-f]{7}|unknown)\)\n$", run.Stdout);
    }

    [Theory]
    [InlineData("--frobnicate", "unknown option --frobnicate")]
    [InlineData("-x", "unknown option -x")]
    [InlineData("one two", "only one profile directory")]
    public async Task Bad_arguments_exit_2_with_the_reason_and_the_usage(string args, string reason)
    {
        var run = (await ShamanProcess.RunAsync(args.Split(' '))).Exited(2);

        Assert.StartsWith($"shaman: {reason}", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("usage: shaman ", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task Missing_profile_directory_exits_2_and_creates_nothing()
    {
        using var parent = new TempDirectory("concorde-shaman-usage-");
        var missing = parent.Combine("no-such-profile");

        var run = (await ShamanProcess.RunAsync([missing])).Exited(2);

        Assert.Contains(missing, run.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(parent.Path));
    }

    [Fact]
    public async Task Profile_directory_without_shaman_json_exits_2_and_stays_empty()
    {
        using var profile = new TempDirectory("concorde-shaman-usage-");

        var run = (await ShamanProcess.RunAsync([profile.Path])).Exited(2);

        Assert.Contains("shaman.json: not found", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(profile.Path));
    }

    [Theory]
    // The second comma of line 3 is at column 40.
    [InlineData("{\n    \"server\": \"https://127.0.0.1:9/dir\",\n    \"domains\": { \"a.example.com\": {} },,\n}", "line 3, column 40")]
    [InlineData("{\n    \"server\": \"https://127.0.0.1:9/dir\"\n    \"domains\": {}\n}", "line 3, column 5")]
    [InlineData("{\n    \"server\": \"https://127.0.0.1:9/dir\",\n    \"domains\": {\n", "line 4")]
    [InlineData("[]", "must contain a JSON object")]
    [InlineData("{\"server\": \"https://127.0.0.1:9/dir\", \"domains\": {\"a.example.com\": {}}, \"domains\": {\"b.example.com\": {}}}", "domains")]
    public async Task Malformed_shaman_json_exits_2_saying_where_and_touches_nothing(string text, string where)
    {
        var stderr = await RefusedAsync(text);

        Assert.Matches(@"^shaman: /.*/shaman\.json: ", stderr);
        Assert.Contains(where, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../x", "domain \"../x\"")]
    [InlineData("a b", "domain \"a b\"")]
    [InlineData("*.", "domain \"*.\"")]
    [InlineData("a/b.example.com", "domain \"a/b.example.com\"")]
    [InlineData("1.2.3", "domain \"1.2.3\"")]
    public async Task Invalid_domain_name_exits_2_naming_it_and_touches_nothing(string name, string field)
    {
        var stderr = await RefusedAsync(new JsonObject
        {
            ["server"] = Unreachable,
            ["authenticators"] = new JsonObject { ["http-01"] = "true" },
            ["domains"] = new JsonObject { ["ok.example.com"] = new JsonObject(), [name] = new JsonObject() },
        }.ToJsonString());

        Assert.StartsWith($"shaman: shaman.json: {field} ", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"renewal\": \"30\"", "\"renewal\" must be a number")]
    [InlineData("\"renewal\": -1", "\"renewal\" must be at least 0")]
    [InlineData("\"authenticators\": [\"http-01\"]", "\"authenticators\" must be an object")]
    [InlineData("\"server\": \"http://ca.example.com/dir\"", "\"server\" must use https")]
    public async Task Wrong_setting_exits_2_naming_the_field(string setting, string message)
    {
        var config = new JsonObject { ["server"] = Unreachable, ["domains"] = new JsonObject { ["a.example.com"] = new JsonObject() } };
        foreach (var (field, value) in JsonNode.Parse($"{{{setting}}}")!.AsObject().ToList()) config[field] = value?.DeepClone();

        var stderr = await RefusedAsync(config.ToJsonString());

        Assert.StartsWith($"shaman: shaman.json: {message}", stderr, StringComparison.Ordinal);
    }

    /// <summary>Runs shaman on a profile holding only <paramref name="text"/> as shaman.json; checks the refusal
    /// (exit 2, nothing on stdout, no file created or changed) and returns stderr.</summary>
    private static async Task<string> RefusedAsync(string text)
    {
        using var profile = new TempDirectory("concorde-shaman-usage-");
        File.WriteAllText(profile.Combine("shaman.json"), text);

        var run = (await ShamanProcess.RunAsync([profile.Path])).Exited(2);

        Assert.Empty(run.Stdout);
        Assert.Equal(["shaman.json"], Directory.EnumerateFileSystemEntries(profile.Path).Select(Path.GetFileName));
        Assert.Equal(text, File.ReadAllText(profile.Combine("shaman.json")));
        return run.Stderr;
    }
}
