using System.Text.RegularExpressions;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Contrib;

/// <summary>contrib/completion/concorde.bash offers, at every level of the command tree the binary's help prints,
/// exactly the subcommands and options found there; file names where a key or certificate goes, profile
/// directories for shaman, and the revocation reasons for --reason.</summary>
public sealed partial class CompletionTests
{
    /// <summary>First words that are not subcommands in the help tree: `concorde help <subcommand>...` and
    /// `concorde shaman ...` (the root usage).</summary>
    private static readonly string[] ExtraFirstWords = ["help", "shaman"];

    [Fact]
    public async Task Every_subcommand_is_offered_where_it_is_typed_and_no_other()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var help = await PrintedHelp.ReadConcordeAsync(ct);

        Assert.Equal(help.Subcommands.Select(s => s.Name).Concat(ExtraFirstWords).Order(),
            (await BashCompletion.CompleteAsync(ct, "concorde", "")).Order());
        foreach (var group in help.All.Skip(1).Where(p => p.Subcommands.Count > 0))
        {
            var expected = group.Subcommands.Select(s => s.Name).Order().ToList();
            var typed = TypedBefore(group.Usage[0], token => token.Split('|').Any(word => group.Subcommands.Any(s => s.Names.Contains(word))));
            Assert.True(expected.SequenceEqual((await BashCompletion.CompleteAsync(ct, ["concorde", .. typed, ""])).Order()),
                $"`concorde {string.Join(' ', typed)} <Tab>` should offer {string.Join(' ', expected)}");
            Assert.Equal(expected, (await BashCompletion.CompleteAsync(ct, ["concorde", "help", .. group.Path, ""])).Order());
        }
    }

    [Fact]
    public async Task Every_leaf_command_offers_exactly_its_options()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var help = await PrintedHelp.ReadConcordeAsync(ct);

        Assert.Equal(help.Options.Order(), (await BashCompletion.CompleteAsync(ct, "concorde", "--")).Order());
        foreach (var leaf in help.Leaves)
        {
            var typed = TypedThrough(leaf.Usage[0], leaf.Path);
            var offered = await BashCompletion.CompleteAsync(ct, ["concorde", .. typed, "--"]);
            Assert.True(leaf.Options.Append("--help").Order().SequenceEqual(offered.Order()),
                $"`concorde {string.Join(' ', typed)} --<Tab>` offers {string.Join(' ', offered)}; the help lists {string.Join(' ', leaf.Options)}");
        }
    }

    [Fact]
    public async Task Shaman_offers_its_options_profile_directories_and_revocation_reasons()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var help = await PrintedHelp.ReadShamanAsync(ct);
        using var etc = new TempDirectory();
        Directory.CreateDirectory(etc.Combine("example"));
        File.WriteAllText(etc.Combine("notes.txt"), "");

        Assert.Equal(help.Options.Order(), (await BashCompletion.CompleteAsync(ct, "shaman", "-")).Order());
        Assert.Equal(help.Options.Order(), (await BashCompletion.CompleteAsync(ct, "concorde", "shaman", "-")).Order());
        Assert.Equal(["--random-sleep"], await BashCompletion.CompleteAsync(ct, "shaman", "--quiet", "--ra"));
        Assert.Equal([etc.Combine("example")], await BashCompletion.CompleteAsync(ct, "shaman", "--quiet", etc.Path + "/"));
        Assert.Equal([etc.Combine("example")], await BashCompletion.CompleteAsync(ct, "concorde", "shaman", etc.Path + "/e"));
        Assert.Empty(await BashCompletion.CompleteAsync(ct, "shaman", "--renew", "--domain", ""));
        string[] reasons = ["cessationOfOperation", "keyCompromise", "superseded", "unspecified"];
        Assert.Equal(reasons, (await BashCompletion.CompleteAsync(ct, "shaman", "--revoke", "example.com", "--reason", "")).Order());
        Assert.Equal(["keyCompromise"], await BashCompletion.CompleteAsync(ct, "concorde", "shaman", "--revoke", "example.com", "--reason", "k"));
        Assert.Equal([etc.Combine("example"), etc.Combine("notes.txt")],
            (await BashCompletion.CompleteAsync(ct, "shaman", "--import-certbot", etc.Path + "/")).Order());
    }

    [Fact]
    public async Task Key_and_certificate_operands_complete_file_names()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        using var files = new TempDirectory();
        File.WriteAllText(files.Combine("account.key"), "");
        File.WriteAllText(files.Combine("example.com.pem"), "");

        Assert.Equal([files.Combine("account.key")], await BashCompletion.CompleteAsync(ct, "concorde", "keys", "create", files.Combine("acc")));
        Assert.Equal([files.Combine("account.key")], await BashCompletion.CompleteAsync(ct, "concorde", "--ca-bundle", "ca.pem", "unreg", files.Combine("a")));
        Assert.Equal([files.Combine("example.com.pem")],
            await BashCompletion.CompleteAsync(ct, "concorde", "renewal-info", "https://ca.example/dir", files.Combine("ex")));
        // An order id is a URL: no file names there.
        Assert.Empty(await BashCompletion.CompleteAsync(ct, "concorde", "reg", "k", "a", "s", "order", "status", files.Path + "/"));
    }

    [Fact]
    public async Task Reason_offers_the_revocation_reasons_the_help_names()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var help = await PrintedHelp.ReadConcordeAsync(ct);
        var revoke = help.All.Single(p => string.Join(' ', p.Path) == "reg cert revoke");
        var named = ReasonNames().Match(revoke.Text.ReplaceLineEndings(" ")).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        Assert.Contains("keyCompromise", named);
        Assert.Equal(named.Order(), (await BashCompletion.CompleteAsync(ct, "concorde", "reg", "k", "a", "s", "cert", "revoke", "c.pem", "--reason", "")).Order());
        Assert.Equal(["keyCompromise"], await BashCompletion.CompleteAsync(ct, "concorde", "unreg", "k", "s", "revoke", "c.pem", "--reason", "key"));
    }

    /// <summary>The words of a synopsis (after `concorde`) before the first token <paramref name="stop"/> accepts,
    /// each &lt;operand&gt; replaced by a sample value.</summary>
    private static List<string> TypedBefore(string synopsis, Func<string, bool> stop)
    {
        var typed = new List<string>();
        foreach (var token in SynopsisTokens(synopsis))
        {
            if (stop(token)) return typed;
            typed.Add(token.StartsWith('<') ? "x" : token);
        }
        throw new InvalidOperationException($"the synopsis `{synopsis}` never reaches the subcommands");
    }

    /// <summary>The words of a synopsis (after `concorde`) up to the last of the subcommand words
    /// <paramref name="path"/>, each &lt;operand&gt; replaced by a sample value.</summary>
    private static List<string> TypedThrough(string synopsis, IReadOnlyList<string> path)
    {
        var typed = new List<string>();
        var matched = 0;
        foreach (var token in SynopsisTokens(synopsis))
        {
            typed.Add(token.StartsWith('<') ? "x" : token);
            if (token == path[matched] && ++matched == path.Count) return typed;
        }
        throw new InvalidOperationException($"the synopsis `{synopsis}` does not name `{string.Join(' ', path)}`");
    }

    private static IEnumerable<string> SynopsisTokens(string synopsis) => SynopsisToken().Matches(synopsis).Select(m => m.Value).Skip(1);

    [GeneratedRegex(@"<[^>]+>|\S+")]
    private static partial Regex SynopsisToken();

    [GeneratedRegex(@"its name \(([^)]+)\)")]
    private static partial Regex ReasonNames();
}
