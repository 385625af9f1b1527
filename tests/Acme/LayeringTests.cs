using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>STYLE.md: dependencies point one way, Shaman and Cli → Acme → BCL.</summary>
public sealed partial class LayeringTests
{
    [Fact]
    public void Acme_names_no_type_of_Shaman_Cli_or_Program()
    {
        var acme = Path.GetFullPath(Path.Combine(SourceDirectory(), "..", "..", "Acme"));
        var files = Directory.GetFiles(acme, "*.cs", SearchOption.AllDirectories);

        Assert.NotEmpty(files);
        Assert.Matches(UpperLayer(), "    var log = new Shaman.ShamanLog();");
        var offending = files
            .SelectMany(file => File.ReadLines(file).Select((line, index) => (file, line, index)))
            .Where(x => UpperLayer().IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(acme, x.file)}:{x.index + 1}: {x.line.Trim()}")
            .ToArray();
        Assert.True(offending.Length == 0, string.Join(Environment.NewLine, offending));
    }

    /// <summary>Inside namespace Concorde.Acme, "Shaman.X" already resolves to Concorde.Shaman.X.</summary>
    [GeneratedRegex(@"\b(Concorde\.)?(Shaman|Cli|Program)\b")]
    private static partial Regex UpperLayer();

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
