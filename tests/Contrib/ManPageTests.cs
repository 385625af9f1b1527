using Concorde.Shaman;
using Concorde.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Concorde.Tests.Contrib;

/// <summary>contrib/man: concorde(1), shaman(8) and shaman.json(5). Each renders without a single warning, and each
/// says exactly what the code knows: the subcommands and options of the help the published binary prints, and the
/// shaman.json fields shaman reads — nothing missing, nothing the code does not know.</summary>
public sealed class ManPageTests(ITestOutputHelper output)
{
    private static readonly ManPage Concorde = ManPage.Read("concorde.1");
    private static readonly ManPage Shaman = ManPage.Read("shaman.8");
    private static readonly ManPage ShamanJson = ManPage.Read("shaman.json.5");

    [Theory]
    [InlineData("concorde.1"), InlineData("shaman.8"), InlineData("shaman.json.5")]
    public async Task The_page_renders_without_warnings(string fileName)
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        // What lintian runs on every man page of a package.
        var render = await ContribScript.RunAsync(ContribScript.Locate("man", "man-db"), "",
            new Dictionary<string, string> { ["LC_ALL"] = "C.UTF-8" }, ct,
            "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", ContribScript.PathOf($"man/{fileName}"));

        output.WriteLine(render.Stderr);
        Assert.True(render.ExitCode == 0 && render.Stderr.Length == 0, render.Stderr);
        Assert.NotEmpty(render.Stdout);
    }

    [Fact]
    public async Task Concorde_1_describes_every_leaf_command_of_the_help_and_no_other()
    {
        var help = await ReadConcordeHelpAsync();

        Assert.Equal(help.Leaves.Select(Path).Order(), Concorde.Subsections("COMMANDS").Order());
    }

    [Fact]
    public async Task Concorde_1_describes_exactly_the_options_of_each_leaf_command()
    {
        var help = await ReadConcordeHelpAsync();

        foreach (var leaf in help.Leaves)
        {
            Assert.True(leaf.Options.Order().SequenceEqual(Concorde.TaggedOptions("COMMANDS", Path(leaf)).Order()),
                $"`{Path(leaf)}`: the help lists [{string.Join(' ', leaf.Options)}], the page describes " +
                $"[{string.Join(' ', Concorde.TaggedOptions("COMMANDS", Path(leaf)))}]");
            Assert.Subset(leaf.Options.ToHashSet(), Concorde.BoldOptions("COMMANDS", Path(leaf)).ToHashSet());
        }
        Assert.Equal(help.Options.Order(), Concorde.TaggedOptions("OPTIONS").Order());
    }

    [Fact]
    public async Task Concorde_1_names_no_option_subcommand_word_or_variable_the_help_does_not_know()
    {
        var help = await ReadConcordeHelpAsync();
        var options = help.All.SelectMany(p => p.Options).ToHashSet();

        Assert.Subset(options, Concorde.BoldOptions().ToHashSet());
        Assert.Subset(options, Concorde.ExampleOptionsOf("concorde").ToHashSet());
        foreach (var page in help.All.Skip(1))
            Assert.Subset(Concorde.BoldWords().ToHashSet(), page.Names.ToHashSet());
        Assert.Equal(help.All.SelectMany(p => p.EnvironmentVariables).Distinct().Order(), Concorde.TaggedNames("ENVIRONMENT").Order());
        Assert.Equal(help.ExitCodes, Concorde.TaggedNames("EXIT STATUS"));
    }

    [Fact]
    public async Task Shaman_8_describes_exactly_the_options_and_exit_codes_of_shaman_help()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        var help = await PrintedHelp.ReadShamanAsync(ct);
        Assert.Equal(help.Options.Order(), Shaman.TaggedOptions("OPTIONS").Order());
        Assert.Subset(help.Options.ToHashSet(), Shaman.BoldOptions().ToHashSet());
        Assert.Subset(help.Options.ToHashSet(), Shaman.ExampleOptionsOf("shaman").ToHashSet());
        Assert.Subset(help.Options.ToHashSet(), ShamanJson.BoldOptions().ToHashSet());
        Assert.Equal(help.ExitCodes, Shaman.TaggedNames("EXIT STATUS"));
    }

    [Fact]
    public void Shaman_json_5_describes_exactly_the_fields_shaman_knows()
    {
        Assert.Equal(ProfileSettings.Fields.Order(), ShamanJson.TaggedNames("PROFILE FIELDS").Order());
        Assert.Equal(DomainSettings.Fields.Concat(DomainState.Fields).Distinct().Order(), ShamanJson.TaggedNames("DOMAIN FIELDS").Order());
    }

    private static async Task<PrintedHelp> ReadConcordeHelpAsync()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        return await PrintedHelp.ReadConcordeAsync(ct);
    }

    /// <summary>The subcommand words of a page, e.g. "reg order create": the man page's subsection heading.</summary>
    private static string Path(PrintedHelp page) => string.Join(' ', page.Path);
}
