namespace Concorde.Cli;

/// <summary>The command line cut into what the router needs: the global options before the subcommand, the
/// words (subcommands and operands, in order), the options after the subcommand, and whether help was asked
/// for. Mistakes are collected, not thrown: only the command they belong to can show the right usage.</summary>
internal sealed record SplitArguments(
    string[] Words,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Options,
    IReadOnlyList<string> Mistakes,
    bool Help,
    bool Version,
    string? CaBundle,
    IReadOnlyList<string> GlobalMistakes);

internal static class ArgumentSplitter
{
    /// <summary>Options that take a value, across all leaf commands (the help tree is the schema); each leaf
    /// accepts only its own.</summary>
    private static readonly HashSet<string> ValueOptions = CommandHelp.Root.Subcommands.SelectMany(Descendants)
        .SelectMany(page => page.Options).Where(option => option.Value is not null).Select(option => option.Name)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>Leaf options without a value (e.g. `--wildcard`); the root's `--help`/`--version` are handled above.</summary>
    private static readonly HashSet<string> FlagOptions = CommandHelp.Root.Subcommands.SelectMany(Descendants)
        .SelectMany(page => page.Options).Where(option => option.Value is null).Select(option => option.Name)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>Global options (`--ca-bundle`, `--help`, `--version`) are read until the first word. After
    /// it, `--name value` and `--name=value` are options, `--help`/`-h` asks for help anywhere, and `--`
    /// makes everything after it a word.</summary>
    public static SplitArguments Split(IReadOnlyList<string> args)
    {
        var index = 0;
        string? caBundle = null;
        bool help = false, version = false;
        var globalMistakes = new List<string>();
        for (; index < args.Count && IsOption(args[index]); index++)
        {
            var (name, inline) = Cut(args[index]);
            if (name == "--")
            {
                index++;
                break;
            }
            if (name is "--help" or "-h") help = true;
            else if (name == "--version") version = true;
            else if (name == CommandHelp.CaBundle.Name)
            {
                var value = inline ?? (index + 1 < args.Count ? args[++index] : null);
                if (string.IsNullOrEmpty(value)) globalMistakes.Add($"{CommandHelp.CaBundle.Name} needs a PEM file");
                else caBundle = value;
            }
            else globalMistakes.Add($"unknown option {name}");
        }

        var words = new List<string>();
        var options = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var mistakes = new List<string>();
        for (; index < args.Count; index++)
        {
            var arg = args[index];
            if (arg == "--")
            {
                words.AddRange(args.Skip(index + 1));
                break;
            }
            if (!IsOption(arg))
            {
                words.Add(arg);
                continue;
            }
            var (name, inline) = Cut(arg);
            if (name is "--help" or "-h")
            {
                help = true;
            }
            else if (ValueOptions.Contains(name))
            {
                var value = inline ?? (index + 1 < args.Count ? args[++index] : null);
                if (value is null) mistakes.Add($"option {name} needs a value");
                else Add(options, name, value);
            }
            else if (FlagOptions.Contains(name))
            {
                if (inline is not null) mistakes.Add($"option {name} takes no value");
                else Add(options, name, "");
            }
            else if (CommandHelp.Root.OptionNames.Contains(name, StringComparer.Ordinal))
            {
                mistakes.Add($"{name} is a global option; put it before the subcommand: concorde {name} ... <subcommand>");
            }
            else
            {
                mistakes.Add($"unknown option {name}");
            }
        }

        return new SplitArguments(words.ToArray(),
            options.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal),
            mistakes, help, version, caBundle, globalMistakes);
    }

    private static IEnumerable<HelpPage> Descendants(HelpPage page) => [page, .. page.Subcommands.SelectMany(Descendants)];

    /// <summary>`-h`, `--x`, `--x=y`; a lone `-` and negative numbers are words.</summary>
    private static bool IsOption(string arg) =>
        arg.Length > 1 && arg[0] == '-' && !char.IsAsciiDigit(arg[1]);

    private static (string Name, string? Inline) Cut(string arg)
    {
        var equals = arg.IndexOf('=');
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 2
            ? (arg[..equals], arg[(equals + 1)..])
            : (arg, null);
    }

    private static void Add(Dictionary<string, List<string>> options, string name, string value)
    {
        if (!options.TryGetValue(name, out var values)) options[name] = values = [];
        values.Add(value);
    }
}
