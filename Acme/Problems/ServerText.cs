using System.Globalization;
using System.Text;

namespace Concorde.Acme.Problems;

/// <summary>Text that came from the server, made safe to put in one log line: control characters (a newline would
/// forge a log line, an escape sequence would reach the terminal) are shown as \uXXXX, and the length is bounded.</summary>
public static class ServerText
{
    private const int MaxLength = 200;

    public static string Escape(string text)
    {
        var shown = text.Length > MaxLength ? text[..MaxLength] : text;
        var escaped = new StringBuilder(shown.Length);
        foreach (var c in shown)
            if (char.IsControl(c)) escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else escaped.Append(c);
        return text.Length > MaxLength ? escaped.Append('…').ToString() : escaped.ToString();
    }

    /// <summary>In double quotes, escaped.</summary>
    public static string Quote(string text) => $"\"{Escape(text)}\"";
}
