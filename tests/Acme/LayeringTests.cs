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

    /// <summary>Shaman/Decisions holds the pure decisions (what to do next, when to renew, back off, notify): no
    /// files, network, processes or clock of their own, so a table of inputs proves each of them.</summary>
    [Fact]
    public void Decisions_do_no_input_or_output()
    {
        var folder = Path.GetFullPath(Path.Combine(SourceDirectory(), "..", "..", "Shaman", "Decisions"));
        var files = Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories);

        Assert.NotEmpty(files);
        var offending = files
            .SelectMany(file => File.ReadLines(file).Select((line, index) => (file, line, index)))
            .Where(x => !x.line.TrimStart().StartsWith("//", StringComparison.Ordinal) && InputOrOutput().IsMatch(x.line))
            .Select(x => $"Shaman/Decisions/{Path.GetFileName(x.file)}:{x.index + 1}: {x.line.Trim()}")
            .ToArray();
        Assert.True(offending.Length == 0, string.Join(Environment.NewLine, offending));
    }

    [Theory]
    [InlineData("        var text = File.ReadAllText(path);", true)]
    [InlineData("        using var http = new HttpClient();", true)]
    [InlineData("        var now = DateTimeOffset.UtcNow;", true)]
    [InlineData("        Process.Start(\"true\");", true)]
    [InlineData("        return verdict.Timing!.Renew ? Step.Renew : Step.Nothing;", false)]
    public void The_input_or_output_scan_sees_what_it_forbids(string line, bool forbidden) =>
        Assert.Equal(forbidden, InputOrOutput().IsMatch(line));

    [GeneratedRegex(@"\b(File|Directory|RandomAccess|Process|Socket|TcpClient|SslStream|Console)\.|\bnew (HttpClient|Process|TcpClient|Socket|FileStream)\b|\bHttpClient\b|DateTime(Offset)?\.(Utc)?Now|TimeProvider\.System")]
    private static partial Regex InputOrOutput();

    private static bool Names(string line, string layer) => NamespaceReference().Matches(line).Any(m => m.Groups[2].Value == layer);

    /// <summary>Inside namespace Concorde.X, "Cli.Y" already resolves to Concorde.Cli.Y.</summary>
    [GeneratedRegex(@"\b(Concorde\.)?(Shaman|Cli|Program)\b")]
    private static partial Regex NamespaceReference();

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
