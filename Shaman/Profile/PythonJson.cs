using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Concorde.Shaman;

/// <summary>Writes JSON exactly as the Python concorde did (<c>json.dump(config, f, indent=4, sort_keys=True)</c>):
/// four-space indent, keys sorted by code point, ", " never at line ends, ": " after keys, non-ASCII escaped as
/// \u escapes (four hex digits), "/" not escaped, no trailing newline. Profiles written by either tool therefore diff cleanly.</summary>
public static class PythonJson
{
    public static string Serialize(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(text, node, 0);
        return text.ToString();
    }

    /// <summary>Appends <paramref name="node"/> as it appears nested <paramref name="depth"/> levels deep, so a caller
    /// can keep parts of a document's text and reassemble them (<see cref="ProfileText"/>).</summary>
    internal static void Append(StringBuilder text, JsonNode? node, int depth) => Write(text, node, depth);

    internal static void AppendKey(StringBuilder text, string key, int depth)
    {
        Indent(text, depth);
        WriteString(text, key);
        text.Append(": ");
    }

    private static void Write(StringBuilder text, JsonNode? node, int depth)
    {
        switch (node)
        {
            case null:
                text.Append("null");
                break;
            case JsonObject obj:
                WriteObject(text, obj, depth);
                break;
            case JsonArray array:
                WriteArray(text, array, depth);
                break;
            case JsonValue value:
                WriteValue(text, value);
                break;
        }
    }

    private static void WriteObject(StringBuilder text, JsonObject obj, int depth)
    {
        if (obj.Count == 0)
        {
            text.Append("{}");
            return;
        }
        text.Append('{');
        var first = true;
        foreach (var (key, child) in obj.OrderBy(p => p.Key, CodePointOrder))
        {
            text.Append(first ? "\n" : ",\n");
            first = false;
            AppendKey(text, key, depth + 1);
            Write(text, child, depth + 1);
        }
        text.Append('\n');
        Indent(text, depth);
        text.Append('}');
    }

    private static void WriteArray(StringBuilder text, JsonArray array, int depth)
    {
        if (array.Count == 0)
        {
            text.Append("[]");
            return;
        }
        text.Append('[');
        for (var i = 0; i < array.Count; i++)
        {
            text.Append(i == 0 ? "\n" : ",\n");
            Indent(text, depth + 1);
            Write(text, array[i], depth + 1);
        }
        text.Append('\n');
        Indent(text, depth);
        text.Append(']');
    }

    private static void WriteValue(StringBuilder text, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                WriteString(text, value.GetValue<string>());
                break;
            case JsonValueKind.True:
                text.Append("true");
                break;
            case JsonValueKind.False:
                text.Append("false");
                break;
            case JsonValueKind.Number:
                text.Append(NumberText(value));
                break;
            default:
                text.Append("null");
                break;
        }
    }

    private static string NumberText(JsonValue value)
    {
        if (value.TryGetValue<JsonElement>(out var element)) return element.GetRawText();
        if (value.TryGetValue<long>(out var integer)) return integer.ToString(CultureInfo.InvariantCulture);
        if (value.TryGetValue<int>(out var small)) return small.ToString(CultureInfo.InvariantCulture);
        return value.GetValue<double>().ToString("R", CultureInfo.InvariantCulture);
    }

    private static void WriteString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7e)
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        text.Append(c);
                    break;
            }
        }
        text.Append('"');
    }

    private static void Indent(StringBuilder text, int depth) => text.Append(' ', depth * 4);

    /// <summary>Python's sort_keys compares code points. Ordinal UTF-16 order differs from it once a key holds a
    /// character above U+FFFF (its surrogates sort before U+E000..U+FFFF).</summary>
    internal static readonly Comparer<string> CodePointOrder = Comparer<string>.Create((a, b) =>
    {
        var x = a.EnumerateRunes();
        var y = b.EnumerateRunes();
        while (true)
        {
            bool moreX = x.MoveNext(), moreY = y.MoveNext();
            if (!moreX || !moreY) return moreX.CompareTo(moreY);
            var order = x.Current.Value.CompareTo(y.Current.Value);
            if (order != 0) return order;
        }
    });
}
