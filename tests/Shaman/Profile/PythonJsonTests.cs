using System.Text.Json.Nodes;
using Concorde.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>shaman.json is written exactly as the Python concorde's json.dump(indent=4, sort_keys=True) wrote it.</summary>
public sealed class PythonJsonTests
{
    [Fact]
    public void Nested_objects_are_indented_by_four_with_keys_sorted_at_every_level()
    {
        var node = JsonNode.Parse("""{"b": {"d": 1, "c": [1, {"z": true, "a": null}, "s"]}, "a": "x", "B": false}""");

        Assert.Equal("""
            {
                "B": false,
                "a": "x",
                "b": {
                    "c": [
                        1,
                        {
                            "a": null,
                            "z": true
                        },
                        "s"
                    ],
                    "d": 1
                }
            }
            """.ReplaceLineEndings("\n"), PythonJson.Serialize(node));
    }

    [Fact]
    public void Empty_object_and_list_stay_on_one_line()
    {
        Assert.Equal("{\n    \"domains\": {},\n    \"list\": []\n}", PythonJson.Serialize(JsonNode.Parse("""{"list": [], "domains": {}}""")));
        Assert.Equal("{}", PythonJson.Serialize(new JsonObject()));
        Assert.Equal("[]", PythonJson.Serialize(new JsonArray()));
    }

    [Theory]
    [InlineData("café", "\"caf\\u00e9\"")]
    [InlineData("😀", "\"\\ud83d\\ude00\"")]
    [InlineData("a/b", "\"a/b\"")]
    [InlineData("\"\\", "\"\\\"\\\\\"")]
    [InlineData("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"")]
    [InlineData("\u0001\u001f\u007f", "\"\\u0001\\u001f\\u007f\"")]
    [InlineData("<&'>", "\"<&'>\"")]
    public void Strings_are_escaped_like_python_with_ensure_ascii(string value, string expected)
    {
        Assert.Equal(expected, PythonJson.Serialize(JsonValue.Create(value)));
    }

    [Fact]
    public void Numbers_keep_their_python_text()
    {
        Assert.Equal("{\n    \"a\": 10,\n    \"b\": 10.5,\n    \"c\": 2.0,\n    \"d\": -3\n}",
            PythonJson.Serialize(JsonNode.Parse("""{"a": 10, "b": 10.5, "c": 2.0, "d": -3}""")));
        Assert.Equal("{\n    \"n\": 30\n}", PythonJson.Serialize(new JsonObject { ["n"] = 30 }));
    }

    [Fact]
    public async Task Output_equals_pythons_json_dump_for_a_document_with_every_kind_of_value()
    {
        // Keys sort by code point, as Python's sort_keys does: U+FFFF before U+1F600, although the latter's
        // UTF-16 form starts with a lower code unit.
        const string document = """
            {"server": "https://acme.example/dir", "\uffff": 1, "😀": 2, "é": 3, "Z": [], "_": {}, "a": [1, 2.5, -3, 0.1, true, false, null],
             "domains": {"www.example.com": {"key": "www.example.com.key.priv.pem", "authenticators": {"http-01": "/usr/local/bin/x y"}}},
             "text": "tab\there \"quoted\" back\\slash / ünïcödé \u0000 \u007f"}
            """;

        var expected = await PythonFormat.DumpsAsync(document);

        Assert.Equal(expected, PythonJson.Serialize(JsonNode.Parse(document)));
    }
}
