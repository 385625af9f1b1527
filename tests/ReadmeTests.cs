using Concorde.Cli;
using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests;

/// <summary>The README is the administrator's reference: what `--help` says must be in it too.</summary>
public sealed class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));

    public static TheoryData<string> LeafSynopses()
    {
        var data = new TheoryData<string>();
        foreach (var page in Leaves(CommandHelp.Root))
            foreach (var usage in page.Usage)
                data.Add(usage);
        return data;
    }

    [Theory]
    [MemberData(nameof(LeafSynopses))]
    public void Every_command_synopsis_of_concorde_help_is_in_the_README(string synopsis)
    {
        Assert.Contains(synopsis, Readme);
    }

    [Theory]
    [InlineData("--quiet")]
    [InlineData("--status")]
    [InlineData("--json")]
    [InlineData("--dry-run")]
    [InlineData("--force")]
    [InlineData("--random-sleep")]
    [InlineData("--renew")]
    [InlineData("--domain")]
    [InlineData("--new-key")]
    [InlineData("--revoke")]
    [InlineData("--reason")]
    public void Every_shaman_option_is_documented_in_the_README(string option)
    {
        Assert.Contains(option, ShamanOptions.Usage);
        Assert.Contains(option, Readme);
    }

    [Theory]
    [InlineData("0"), InlineData("1"), InlineData("2"), InlineData("75"), InlineData("130")]
    public void Every_shaman_exit_status_is_in_help_and_README(string code)
    {
        Assert.Contains($"  {code}  ", ShamanOptions.Usage.Replace("   ", "  "));
        Assert.Contains($"| {code} |", Readme);
    }

    /// <summary>The field tables and <see cref="ProfileWarnings"/> agree: a documented field is never warned about as
    /// unknown, and every field shaman reads is documented.</summary>
    [Fact]
    public void The_shaman_json_field_tables_list_exactly_the_fields_shaman_knows()
    {
        var section = Readme[Readme.IndexOf("### shaman.json", StringComparison.Ordinal)..Readme.IndexOf("### Authenticators", StringComparison.Ordinal)];
        var perDomain = section.IndexOf("Per domain", StringComparison.Ordinal);

        Assert.Equal(ProfileSettings.Fields.Order(), TableFields(section[..perDomain]));
        Assert.Equal(DomainSettings.Fields.Concat(DomainState.Fields).Distinct().Order(), TableFields(section[perDomain..]));
    }

    /// <summary>The `names` in the first column of the first table in <paramref name="text"/>.</summary>
    private static IEnumerable<string> TableFields(string text) =>
        text.Split('\n')
            .SkipWhile(line => !line.StartsWith("| field ", StringComparison.Ordinal)).Skip(2)
            .TakeWhile(line => line.StartsWith('|'))
            .SelectMany(line => System.Text.RegularExpressions.Regex.Matches(line.Split('|')[1], "`([^`]+)`").Select(m => m.Groups[1].Value))
            .Order();

    private static IEnumerable<HelpPage> Leaves(HelpPage page) =>
        page.Subcommands.Count == 0 ? [page] : page.Subcommands.SelectMany(Leaves);

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "concorde.csproj")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("concorde.csproj not found above the test binaries");
    }
}
