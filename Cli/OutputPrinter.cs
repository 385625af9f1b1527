using System.Security.Authentication;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Concorde.Acme.Problems;

namespace Concorde.Cli;

/// <summary>Everything the CLI writes. Results go to stdout (header line, then the server's object as
/// indented JSON, or a PEM chain); messages, errors and usage go to stderr.</summary>
internal sealed class OutputPrinter(TextWriter output, TextWriter error)
{
    private static readonly JsonWriterOptions Indented = new()
    {
        Indented = true,
        // Print URLs and contacts as the server sent them ('+', '&' unescaped); this is a terminal, not HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>`Order: https://...` followed by the object.</summary>
    public void Resource(string kind, Uri location, JsonElement json)
    {
        output.WriteLine($"{kind}: {location.AbsoluteUri}");
        Json(json);
    }

    /// <summary>A result line; what the server put in it is escaped (<see cref="ServerText.Printable"/>).</summary>
    public void Line(string text) => output.WriteLine(ServerText.Printable(text));

    public void Json(JsonElement json)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Indented))
            json.WriteTo(writer);
        // The writer escapes control characters; a bidi override or separator inside a string is escaped here, as valid JSON.
        output.WriteLine(ServerText.EscapeFormatting(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)));
    }

    /// <summary>A PEM chain exactly as the server sent it.</summary>
    public void Pem(string pem)
    {
        output.Write(pem);
        if (!pem.EndsWith('\n')) output.WriteLine();
    }

    /// <summary>A note for the person at the terminal, never part of the result.</summary>
    public void Note(string text) => error.WriteLine($"concorde: {ServerText.Line(text)}");

    public void Help(HelpPage page)
    {
        var path = CommandHelp.PathOf(page);
        output.WriteLine(ReferenceEquals(page, CommandHelp.Root) ? $"concorde — {page.Summary}" : $"concorde {path} — {page.Summary}");
        output.WriteLine();
        WriteUsage(output, page);
        if (page.Description is { } description)
        {
            output.WriteLine();
            foreach (var line in Wrap(description, HelpWidth)) output.WriteLine(line);
        }
        if (page.Subcommands.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Subcommands:");
            var width = page.Subcommands.Max(s => s.Name.Length);
            foreach (var sub in page.Subcommands)
            {
                var aliases = sub.Names.Length > 1 ? $" (also: {string.Join(", ", sub.Names.Skip(1))})" : "";
                output.WriteLine($"  {sub.Name.PadRight(width)}  {sub.Summary}{aliases}");
            }
        }
        if (page.Options.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(ReferenceEquals(page, CommandHelp.Root) ? "Global options (before the subcommand):" : "Options:");
            var labels = page.Options.Select(o => o.Value is null ? o.Name : $"{o.Name} {o.Value}").ToArray();
            var width = labels.Max(l => l.Length);
            for (var i = 0; i < labels.Length; i++)
            {
                var repeat = page.Options[i].Repeatable ? " (repeatable)" : "";
                var lines = Wrap(page.Options[i].Text + repeat, HelpWidth - width - 4);
                output.WriteLine($"  {labels[i].PadRight(width)}  {lines[0]}");
                foreach (var line in lines.Skip(1)) output.WriteLine($"{new string(' ', width + 4)}{line}");
            }
        }
        output.WriteLine();
        output.WriteLine(CommandHelp.Placeholders);
        if (page.Examples.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Examples:");
            foreach (var example in page.Examples) output.WriteLine($"  {example}");
        }
        output.WriteLine();
        output.WriteLine(CommandHelp.ExitStatus);
    }

    /// <summary>Exit status 2: what is wrong, the command's synopsis, and where to read more.</summary>
    public void UsageError(UsageException e)
    {
        error.WriteLine($"concorde: error: {e.Message}");
        WriteUsage(error, e.Page);
        var path = CommandHelp.PathOf(e.Page);
        error.WriteLine(path.Length == 0 ? "Run `concorde --help` for details." : $"Run `concorde {path} --help` for details.");
    }

    /// <summary>RFC 8555 §6.7: the problem's type and detail with the request it answered (as the exception's
    /// message has them), then each subproblem on its own line (§6.7.1).</summary>
    public void Problem(AcmeProblemException e)
    {
        error.WriteLine($"concorde: error: {ServerText.Line(e.Message)}");
        foreach (var sub in e.Problem.Subproblems ?? [])
            error.WriteLine($"  {ServerText.Detail(sub.ToString())}");
        if (e.RetryAfter is { } wait)
            error.WriteLine($"  the server asks to retry after {wait.TotalSeconds:0} s");
    }

    /// <summary>One line for a file, network or protocol failure; the innermost cause is appended because
    /// .NET's outer messages ("see inner exception") say little.</summary>
    public void Failure(Exception e)
    {
        var innermost = e;
        while (innermost.InnerException is { } inner) innermost = inner;
        var text = e.Message;
        if (!ReferenceEquals(innermost, e) && !text.Contains(innermost.Message, StringComparison.Ordinal))
            text = $"{text} ({innermost.Message})";
        if (HasInner<AuthenticationException>(e))
            text += "; if the server uses a private CA, pass --ca-bundle <pem>";
        error.WriteLine($"concorde: error: {ServerText.Line(text)}");
    }

    private static bool HasInner<T>(Exception e) where T : Exception
    {
        for (Exception? at = e; at is not null; at = at.InnerException)
            if (at is T) return true;
        return false;
    }

    /// <summary>Help text is wrapped at word boundaries to fit a terminal.</summary>
    private const int HelpWidth = 100;

    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        lines.Add(line.ToString());
        return lines;
    }

    private static void WriteUsage(TextWriter writer, HelpPage page)
    {
        for (var i = 0; i < page.Usage.Length; i++)
            writer.WriteLine($"{(i == 0 ? "usage: " : "       ")}{page.Usage[i]}");
    }
}
