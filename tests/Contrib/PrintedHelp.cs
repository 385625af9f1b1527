using System.Text.RegularExpressions;
using Concorde.Tests.Support;

namespace Concorde.Tests.Contrib;

/// <summary>One `--help` page as the published binary prints it: the command tree's source of truth for the man
/// pages and the shell completion, read the way a user sees it.</summary>
internal sealed partial record PrintedHelp(
    IReadOnlyList<string> Path,
    IReadOnlyList<string> Names,
    IReadOnlyList<string> Usage,
    IReadOnlyList<string> Options,
    IReadOnlyList<PrintedHelp> Subcommands,
    IReadOnlyList<string> ExitCodes,
    string Text)
{
    /// <summary>`concorde help` and, below it, `concorde help &lt;subcommand&gt;...` for every subcommand.</summary>
    public static async Task<PrintedHelp> ReadConcordeAsync(CancellationToken ct) =>
        await ReadAsync([], ["concorde"], ct);

    /// <summary>`concorde shaman --help`, the same text as `shaman --help`.</summary>
    public static async Task<PrintedHelp> ReadShamanAsync(CancellationToken ct)
    {
        var run = (await ConcordeBinary.RunAsync(["shaman", "--help"], ct)).Succeeded();
        return Parse([], ["shaman"], run.Stdout, []);
    }

    public string Name => Names[0];

    /// <summary>This page and every page below it.</summary>
    public IEnumerable<PrintedHelp> All => Subcommands.SelectMany(s => s.All).Prepend(this);

    public IEnumerable<PrintedHelp> Leaves => All.Where(p => p.Subcommands.Count == 0);

    /// <summary>Every `CONCORDE_*` variable the page names.</summary>
    public IEnumerable<string> EnvironmentVariables => EnvironmentVariable().Matches(Text).Select(m => m.Value);

    private static async Task<PrintedHelp> ReadAsync(IReadOnlyList<string> path, IReadOnlyList<string> names, CancellationToken ct)
    {
        var run = (await ConcordeBinary.RunAsync(["help", .. path], ct)).Succeeded();
        var listed = Entries(run.Stdout, "Subcommands").ToList();
        var subcommands = new List<PrintedHelp>();
        foreach (var entry in listed)
        {
            var name = entry.Split(' ')[0];
            var aliases = Alias().Match(entry) is { Success: true } also ? also.Groups[1].Value.Split(", ") : [];
            subcommands.Add(await ReadAsync([.. path, name], [name, .. aliases], ct));
        }
        return Parse(path, names, run.Stdout, subcommands);
    }

    private static PrintedHelp Parse(IReadOnlyList<string> path, IReadOnlyList<string> names, string text, IReadOnlyList<PrintedHelp> subcommands)
    {
        var lines = text.Split('\n');
        var usage = lines.SkipWhile(l => !l.StartsWith("usage: ", StringComparison.Ordinal))
            .TakeWhile((l, i) => i == 0 || l.StartsWith("       ", StringComparison.Ordinal))
            .Select(l => l[7..].Trim()).ToList();
        var options = Entries(text, "Options", "Global options", "options")
            .SelectMany(entry => OptionName().Matches(entry.Split("  ")[0]).Select(m => m.Value)).ToList();
        var exitCodes = Entries(text, "Exit status", "exit status").Select(e => e.Split(' ')[0]).ToList();
        return new PrintedHelp(path, names, usage, options, subcommands, exitCodes, text);
    }

    /// <summary>The entries of the sections whose heading starts with one of <paramref name="headings"/>: lines
    /// indented by exactly two spaces (a longer indent continues the entry above).</summary>
    private static IEnumerable<string> Entries(string text, params string[] headings)
    {
        var inSection = false;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length > 0 && line[0] != ' ')
                inSection = line.EndsWith(':') && headings.Any(h => line.StartsWith(h, StringComparison.Ordinal));
            else if (inSection && line.StartsWith("  ", StringComparison.Ordinal) && line.Length > 2 && line[2] != ' ')
                yield return line[2..];
        }
    }

    [GeneratedRegex(@"\(also: ([^)]+)\)$")]
    private static partial Regex Alias();

    [GeneratedRegex(@"(?<![\w-])--?[a-z][a-z-]*")]
    private static partial Regex OptionName();

    [GeneratedRegex(@"\bCONCORDE_[A-Z_]+\b")]
    private static partial Regex EnvironmentVariable();
}
