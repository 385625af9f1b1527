using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>STYLE.md: dependencies point one way, Program.cs → Shaman and Cli → Acme → BCL; Shaman and Cli are
/// siblings that never name each other. A source scan: inside namespace Concorde, a type of another layer can
/// only be named through its namespace (`using Concorde.Cli;`, `Concorde.Cli.X`, or `Cli.X`).</summary>
public sealed partial class LayeringTests
{
    public static TheoryData<string, string[]> Layers => new()
    {
        { "Acme", ["Shaman", "Cli", "Program"] },
        { "Shaman", ["Cli"] },
        { "Cli", ["Shaman"] },
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_layer_names_no_type_of_the_layers_it_must_not_use(string layer, string[] forbidden)
    {
        var folder = Path.GetFullPath(Path.Combine(SourceDirectory(), "..", "..", layer));
        var files = Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories);

        Assert.NotEmpty(files);
        var offending = files
            .SelectMany(file => File.ReadLines(file).Select((line, index) => (file, line, index)))
            .Where(x => forbidden.Any(name => Names(x.line, name)))
            .Select(x => $"{layer}/{Path.GetRelativePath(folder, x.file)}:{x.index + 1}: {x.line.Trim()}")
            .ToArray();
        Assert.True(offending.Length == 0, string.Join(Environment.NewLine, offending));
    }

    [Theory]
    [InlineData("using Concorde.Cli;", "Cli", true)]
    [InlineData("    return Concorde.Cli.ExitCodes.Usage;", "Cli", true)]
    [InlineData("    return Cli.ExitCodes.Usage;", "Cli", true)]
    [InlineData("using static global::Concorde.Shaman.ShamanExitCodes;", "Shaman", true)]
    [InlineData("    var log = new Shaman.ShamanLog();", "Shaman", true)]
    [InlineData("    var client = CliContext.Create();", "Cli", false)]
    [InlineData("    var exit = ShamanExitCodes.Usage;", "Shaman", false)]
    public void The_scan_sees_a_layer_named_in_every_form(string line, string layer, bool names) =>
        Assert.Equal(names, Names(line, layer));

    private static bool Names(string line, string layer) => NamespaceReference().Matches(line).Any(m => m.Groups[2].Value == layer);

    /// <summary>Inside namespace Concorde.X, "Cli.Y" already resolves to Concorde.Cli.Y.</summary>
    [GeneratedRegex(@"\b(Concorde\.)?(Shaman|Cli|Program)\b")]
    private static partial Regex NamespaceReference();

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
