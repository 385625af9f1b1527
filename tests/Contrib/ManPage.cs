using System.Text;
using System.Text.RegularExpressions;

namespace Concorde.Tests.Contrib;

/// <summary>A man page source under contrib/man, read as roff: its sections (.SH) and subsections (.SS), the tags of
/// their tagged paragraphs (.TP), the words set in bold (options, commands and fields, by man-page convention) and
/// the command lines of its examples (.EX).</summary>
internal sealed partial class ManPage
{
    private readonly List<(string Section, string Subsection, string Line)> lines = [];

    private ManPage(string path)
    {
        Path = path;
        string section = "", subsection = "";
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.StartsWith(".SH ", StringComparison.Ordinal)) (section, subsection) = (Unescape(string.Join(' ', Arguments(line))), "");
            else if (line.StartsWith(".SS ", StringComparison.Ordinal)) subsection = Unescape(string.Join(' ', Arguments(line)));
            else lines.Add((section, subsection, line));
        }
    }

    public string Path { get; }

    public static ManPage Read(string fileName) => new(ContribScript.PathOf($"man/{fileName}"));

    public IEnumerable<string> Subsections(string section) =>
        lines.Where(l => l.Section == section && l.Subsection != "").Select(l => l.Subsection).Distinct();

    /// <summary>The options set in bold in the tags of the tagged paragraphs (.TP, .TQ): the options described.</summary>
    public IEnumerable<string> TaggedOptions(string section, string? subsection = null) =>
        TagLines(section, subsection).SelectMany(Bold).SelectMany(OptionsIn);

    /// <summary>The first bold word of each tag: the field, option or variable a tagged paragraph describes.</summary>
    public IEnumerable<string> TaggedNames(string section, string? subsection = null) =>
        TagLines(section, subsection).Select(line => Bold(line).FirstOrDefault() ?? Unescape(line)).Select(b => b.Split(' ')[0]);

    /// <summary>Every option set in bold, in the whole page or one (sub)section.</summary>
    public IEnumerable<string> BoldOptions(string? section = null, string? subsection = null) =>
        Select(section, subsection).SelectMany(Bold).SelectMany(OptionsIn).Distinct();

    public IEnumerable<string> BoldWords() => lines.SelectMany(l => Bold(l.Line)).SelectMany(b => b.Split(' '));

    /// <summary>The options given to <paramref name="command"/> in the examples: every option after the word
    /// <paramref name="command"/> (or a path ending in it) on an .EX line.</summary>
    public IEnumerable<string> ExampleOptionsOf(string command)
    {
        var inExample = false;
        foreach (var (_, _, line) in lines)
        {
            if (line == ".EX") inExample = true;
            else if (line == ".EE") inExample = false;
            else if (inExample)
            {
                var words = Unescape(line).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var at = Array.FindIndex(words, w => w == command || w.EndsWith($"/bin/{command}", StringComparison.Ordinal));
                if (at < 0) continue;
                foreach (var word in words.Skip(at + 1).TakeWhile(w => w != "#"))
                    if (OptionsIn(word).FirstOrDefault() is { } option && word.StartsWith('-')) yield return option;
            }
        }
    }

    private IEnumerable<string> Select(string? section, string? subsection) =>
        lines.Where(l => (section is null || l.Section == section) && (subsection is null || l.Subsection == subsection)).Select(l => l.Line);

    private IEnumerable<string> TagLines(string section, string? subsection)
    {
        var selected = Select(section, subsection).ToList();
        for (var i = 0; i + 1 < selected.Count; i++)
            if (selected[i] is ".TP" or ".TQ") yield return selected[i + 1];
    }

    /// <summary>The bold spans of a line: a macro's bold arguments (.B all; .BR/.BI the 1st, 3rd...; .RB/.IB the
    /// 2nd, 4th...) and the text between \fB and the next font change.</summary>
    private static IEnumerable<string> Bold(string line)
    {
        var spans = new List<string>();
        var macro = line.StartsWith('.') ? line[1..].Split(' ')[0] : "";
        if (macro is "B" or "BR" or "BI" or "RB" or "IB")
        {
            var arguments = Arguments(line);
            var first = macro is "RB" or "IB" ? 1 : 0;
            var step = macro == "B" ? 1 : 2;
            if (macro == "B") spans.Add(string.Join(' ', arguments));
            else for (var i = first; i < arguments.Count; i += step) spans.Add(arguments[i]);
        }
        spans.AddRange(InlineBold().Matches(line).Select(m => m.Groups[1].Value));
        return spans.Select(Unescape).Where(s => s.Length > 0);
    }

    private static IEnumerable<string> OptionsIn(string text) => Option().Matches(text).Select(m => m.Value);

    /// <summary>A macro's arguments: words, or "quoted strings" with spaces.</summary>
    private static List<string> Arguments(string line)
    {
        var arguments = new List<string>();
        var rest = line[(line.IndexOf(' ') is var space and >= 0 ? space + 1 : line.Length)..];
        foreach (Match m in MacroArgument().Matches(rest))
            arguments.Add(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);
        return arguments;
    }

    /// <summary>Roff escapes as the reader sees them; font changes vanish.</summary>
    private static string Unescape(string text)
    {
        var plain = FontChange().Replace(text, "");
        var builder = new StringBuilder(plain)
            .Replace(@"\-", "-").Replace(@"\&", "").Replace(@"\ ", " ").Replace(@"\(aq", "'").Replace(@"\(rs", @"\")
            .Replace(@"\(sc", "§").Replace(@"\(->", "→").Replace(@"\(em", "—").Replace(@"\e", @"\");
        return builder.ToString().Trim();
    }

    [GeneratedRegex(@"\\f[BIRP]")]
    private static partial Regex FontChange();

    [GeneratedRegex(@"\\fB(.*?)(?=\\f[IRP]|$)")]
    private static partial Regex InlineBold();

    [GeneratedRegex(@"""([^""]*)""|(\S+)")]
    private static partial Regex MacroArgument();

    [GeneratedRegex(@"(?<![\w-])--?[a-z][a-z-]*")]
    private static partial Regex Option();
}
