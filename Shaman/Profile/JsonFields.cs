using System.Text.Json;
using System.Text.Json.Nodes;

namespace Concorde.Shaman;

/// <summary>Reads and checks one field of shaman.json's JSON objects (settings and state alike); a wrong type is a
/// <see cref="ProfileException"/> naming the field, where it is and what was found.</summary>
internal static class JsonFields
{
    internal static double? OptionalNumber(JsonObject obj, string field, string unit, double min, double max = double.MaxValue, string where = "")
    {
        var node = obj[field];
        if (node is null) return null;
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
            throw Error($"{where}\"{field}\" must be a number ({unit}), found {Kind(node)}");
        var number = value.GetValue<double>();
        if (number < min || number > max)
            throw Error(max == double.MaxValue
                ? $"{where}\"{field}\" must be at least {min} ({unit}), found {number}"
                : $"{where}\"{field}\" must be between {min} and {max} ({unit}), found {number}");
        return number;
    }

    internal static string? OptionalString(JsonObject obj, string field, string where = "")
    {
        var node = obj[field];
        if (node is null) return null;
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String || value.GetValue<string>().Length == 0)
            throw Error($"{where}\"{field}\" must be a non-empty string, found {Kind(node)}");
        var text = value.GetValue<string>();
        // Names of files and programs: a NUL would cut them short where the system reads them.
        if (text.Contains('\0')) throw Error($"{where}\"{field}\" contains a NUL character");
        return text;
    }

    /// <summary>A recorded id (account, order, certificate): the URL the CA gave.</summary>
    internal static void OptionalUrl(JsonObject obj, string field, string where = "")
    {
        if (OptionalString(obj, field, where) is { } text && !Uri.TryCreate(text, UriKind.Absolute, out _))
            throw Error($"{where}\"{field}\" must be the URL the CA gave, found \"{text}\"; remove the field to start afresh");
    }

    internal static IReadOnlyDictionary<string, string> StringMap(JsonNode? node, string where)
    {
        if (node is null) return new Dictionary<string, string>();
        if (node is not JsonObject obj) throw Error($"{where} must be an object of challenge type → program, found {Kind(node)}");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, child) in obj)
        {
            if (child is not JsonValue value || value.GetValueKind() != JsonValueKind.String || value.GetValue<string>().Length == 0)
                throw Error($"{where}: \"{key}\" must name a program, found {Kind(child)}");
            if (value.GetValue<string>().Contains('\0')) throw Error($"{where}: \"{key}\" contains a NUL character");
            map[key] = value.GetValue<string>();
        }
        return map;
    }

    /// <summary>"environment": variable name → value for the programs shaman runs. shaman's own CONCORDE_* variables
    /// are refused, not overridden: a program must be able to trust them.</summary>
    internal static IReadOnlyDictionary<string, string> EnvironmentMap(JsonObject obj, string where = "")
    {
        var node = obj["environment"];
        var field = $"{where}\"environment\"";
        if (node is null) return new Dictionary<string, string>();
        if (node is not JsonObject variables)
            throw Error($"{field} must be an object of variable name → value, e.g. {{\"WEBROOT\": \"/var/www/html\"}}, found {Kind(node)}");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, child) in variables)
        {
            if (!IsVariableName(name))
                throw Error($"{field}: \"{name}\" is not a variable name (letters, digits and _, not starting with a digit)");
            if (name.StartsWith("CONCORDE_", StringComparison.Ordinal))
                throw Error($"{field}: \"{name}\" is refused: shaman sets the CONCORDE_ variables itself; choose another name");
            if (child is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
                throw Error($"{field}: \"{name}\" must be a string, found {Kind(child)}");
            if (value.GetValue<string>().Contains('\0')) throw Error($"{field}: \"{name}\" contains a NUL character");
            map[name] = value.GetValue<string>();
        }
        return map;
    }

    private static bool IsVariableName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    internal static IReadOnlyList<string> StringList(JsonNode? node, string where)
    {
        if (node is null) return [];
        if (node is JsonValue single && single.GetValueKind() == JsonValueKind.String) return [single.GetValue<string>()];
        if (node is not JsonArray array) throw Error($"{where} must be a list of strings, found {Kind(node)}");
        return array.Select(item => item is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw Error($"{where} must contain only strings, found {Kind(item)}")).ToList();
    }

    internal static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "a list",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => $"the string \"{v.GetValue<string>()}\"",
            JsonValueKind.Number => $"the number {v.ToJsonString()}",
            JsonValueKind.True or JsonValueKind.False => $"the value {v.ToJsonString()}",
            _ => "null",
        },
        _ => "something else",
    };

    internal static ProfileException Error(string message) => new($"{ProfileSettings.FileName}: {message}");
}
