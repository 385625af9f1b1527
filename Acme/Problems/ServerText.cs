using System.Globalization;
using System.Text;

namespace Concorde.Acme.Problems;

/// <summary>Text that came from the server, made safe to put in one log line: control characters but tab (a newline
/// would forge a log line, an escape sequence would reach the terminal) and invisible formatting characters (a bidi
/// override would make a line read differently from what it says; line and paragraph separators) are shown as \u
/// escapes (\u000a, \u202e), and the length is bounded — a CA's problem detail of megabytes would otherwise fill the log, shaman.json and the notify
/// program's input.</summary>
public static class ServerText
{
    /// <summary>A name or token the server sent, quoted in a message.</summary>
    private const int MaxNameLength = 200;
    /// <summary>A problem document as one line (<see cref="Wire.Problem.ToString"/>): far more than a CA's
    /// explanation needs.</summary>
    public const int MaxDetailLength = 1024;
    /// <summary>One message as shaman logs it or records it (`lastError`, `runLastError`).</summary>
    public const int MaxMessageLength = 4096;

    public static string Escape(string text) => Bounded(text, MaxNameLength);

    /// <summary>A problem's type, detail and identifier in one line, escaped and cut to <see cref="MaxDetailLength"/>.</summary>
    public static string Detail(string text) => Bounded(text, MaxDetailLength);

    /// <summary>A whole message, whatever parts of it came from where, escaped and cut to <see cref="MaxMessageLength"/>.</summary>
    public static string Line(string text) => Bounded(text, MaxMessageLength);

    /// <summary>At most <paramref name="maxLength"/> characters after escaping, then "…" when anything was cut.</summary>
    private static string Bounded(string text, int maxLength)
    {
        var cut = text.Length > maxLength;
        var escaped = EscapeControlCharacters(cut ? text[..maxLength] : text);
        if (escaped.Length > maxLength) (escaped, cut) = (escaped[..maxLength], true);
        return cut ? escaped + "…" : escaped;
    }

    private static string EscapeControlCharacters(string text)
    {
        if (!text.Any(IsEscaped)) return text;
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
            if (IsEscaped(c)) escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else escaped.Append(c);
        return escaped.ToString();
    }

    /// <summary>Text for a terminal or a log that must not be cut (a result the administrator copies), escaped.</summary>
    public static string Printable(string text) => EscapeControlCharacters(text);

    /// <summary>Text whose control characters are already escaped or are its own structure (indented JSON): only the
    /// invisible formatting characters are escaped, as <c>\u202e</c> and the like, which JSON reads back inside a string.</summary>
    public static string EscapeFormatting(string text) =>
        text.Any(IsFormatting) ? string.Concat(text.Select(c => IsFormatting(c) ? $"\\u{(int)c:x4}" : c.ToString())) : text;

    private static bool IsFormatting(char c) =>
        CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <summary>A tab forges nothing and reads better as itself.</summary>
    private static bool IsEscaped(char c) => (char.IsControl(c) && c != '\t') || IsFormatting(c);

    /// <summary>In double quotes, escaped.</summary>
    public static string Quote(string text) => $"\"{Escape(text)}\"";
}
