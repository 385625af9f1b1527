namespace Concorde.Cli;

/// <summary>One level of the command tree as `--help` shows it: a group lists its subcommands, a leaf its
/// options. Plain data; the router in <see cref="CliRouter"/> is separate and reflection-free.</summary>
internal sealed record HelpPage
{
    /// <summary>The words that select this page below its parent (the first is the name shown; the others
    /// are accepted aliases, e.g. `key` for `keys`).</summary>
    public required string[] Names { get; init; }
    /// <summary>One line, shown in the parent's list of subcommands.</summary>
    public required string Summary { get; init; }
    /// <summary>Synopsis lines, each a complete command line.</summary>
    public required string[] Usage { get; init; }
    public string? Description { get; init; }
    /// <summary>Options of a leaf: name (with its value placeholder) → one line.</summary>
    public IReadOnlyList<HelpOption> Options { get; init; } = [];
    public IReadOnlyList<HelpPage> Subcommands { get; init; } = [];
    public IReadOnlyList<string> Examples { get; init; } = [];

    public string Name => Names[0];

    /// <summary>The option names a leaf accepts, as typed (`--contact`).</summary>
    public IEnumerable<string> OptionNames => Options.Select(o => o.Name);

    public HelpPage? Find(string word) =>
        Subcommands.FirstOrDefault(s => s.Names.Contains(word, StringComparer.Ordinal));
}

/// <summary>An option of a leaf command; <see cref="Value"/> is null for a flag.</summary>
internal sealed record HelpOption(string Name, string? Value, string Text, bool Repeatable = false);
