using System.Globalization;
using System.Text;

namespace Concorde.Acme.Problems;

/// <summary>Text that came from the server, made safe to put in one log line: control characters but tab (a newline
/// would forge a log line, an escape sequence would reach the terminal) are shown as \u escapes (\u000a), and the length is bounded.</summary>
public static class ServerText
{
    private const int MaxLength = 200;

    public static string Escape(string text) =>
        text.Length > MaxLength ? EscapeControlCharacters(text[..MaxLength]) + "…" : EscapeControlCharacters(text);

    /// <summary>Control characters as \u escapes, nothing cut: for a whole log line, whatever parts of it came from where.</summary>
    public static string EscapeControlCharacters(string text)
    {
        if (!text.Any(IsEscaped)) return text;
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
            if (IsEscaped(c)) escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else escaped.Append(c);
        return escaped.ToString();
    }

    /// <summary>A tab forges nothing and reads better as itself.</summary>
    private static bool IsEscaped(char c) => char.IsControl(c) && c != '\t';

    /// <summary>In double quotes, escaped.</summary>
    public static string Quote(string text) => $"\"{Escape(text)}\"";
}
