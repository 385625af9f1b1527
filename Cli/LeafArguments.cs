namespace Concorde.Cli;

/// <summary>The operands and options of one leaf command, checked against its <see cref="HelpPage"/>. Every
/// check throws <see cref="UsageException"/> naming what is wrong, before any file or network is touched.</summary>
internal sealed class LeafArguments
{
    private readonly IReadOnlyList<string> _operands;
    private readonly IReadOnlyDictionary<string, IReadOnlyList<string>> _options;

    public LeafArguments(HelpPage page, IReadOnlyList<string> operands, SplitArguments split)
    {
        Page = page;
        _operands = operands;
        _options = split.Options;
        if (split.Mistakes.Count > 0) throw Error(split.Mistakes[0]);
        foreach (var name in split.Options.Keys)
            if (!page.OptionNames.Contains(name, StringComparer.Ordinal))
                throw Error($"option {name} does not apply to `concorde {CommandHelp.PathOf(page)}`");
        foreach (var option in page.Options.Where(o => !o.Repeatable))
            if (split.Options.TryGetValue(option.Name, out var values) && values.Count > 1)
                throw Error($"option {option.Name} is given {values.Count} times; give it once");
    }

    public HelpPage Page { get; }

    public UsageException Error(string message) => new(Page, message);

    /// <summary>Exactly the named operands, in order.</summary>
    public IReadOnlyList<string> Exactly(params string[] names)
    {
        if (_operands.Count < names.Length) throw Error($"missing {names[_operands.Count]}");
        if (_operands.Count > names.Length) throw Error($"unexpected argument '{_operands[names.Length]}'");
        return _operands;
    }

    /// <summary>The named operands followed by one or more of <paramref name="repeated"/>.</summary>
    public (IReadOnlyList<string> Fixed, IReadOnlyList<string> Repeated) AtLeast(string[] names, string repeated)
    {
        if (_operands.Count < names.Length) throw Error($"missing {names[_operands.Count]}");
        if (_operands.Count == names.Length) throw Error($"missing {repeated}");
        return (_operands.Take(names.Length).ToArray(), _operands.Skip(names.Length).ToArray());
    }

    public string? Option(string name) => _options.TryGetValue(name, out var values) ? values[0] : null;

    public IReadOnlyList<string> Options(string name) => _options.TryGetValue(name, out var values) ? values : [];
}
