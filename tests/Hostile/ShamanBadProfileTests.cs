using System.Text;
using System.Text.Json.Nodes;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>A shaman.json that is broken, mistyped or hostile is refused by the published binary
/// before anything happens: exit 2, one line on stderr naming the field or place and what to do, nothing on
/// stdout, and not one byte, mode or mtime changed in the profile or anywhere around it. No CA is needed: the
/// server is a loopback port nobody listens on, and a profile that gets as far as contacting it fails the test
/// by its exit status. Complements tests/Shaman/ShamanUsageTests (whose inputs are not repeated here) and the
/// in-process ProfileSettingsTests (which prove the messages; these prove the binary's whole refusal).</summary>
public sealed class ShamanBadProfileTests
{
    private const string Unreachable = "https://127.0.0.1:9/dir";
    private const string Domain = "a.example.com";

    /// <summary>shaman.json texts that are not a JSON object, and the words the one line must contain.</summary>
    private static readonly Dictionary<string, (Func<string> Text, string[] Says)> Unparsable = new()
    {
        ["empty file"] = (() => "", ["shaman.json", "is empty"]),
        ["comment"] = (() => $"// profile\n{Valid()}", ["not valid JSON", "line 1, column 1"]),
        ["single quotes"] = (() => "{'server': 'https://127.0.0.1:9/dir'}", ["not valid JSON", "line 1, column 2"]),
        ["NaN"] = (() => Valid().Replace("\"renewal\": 30", "\"renewal\": NaN"), ["not valid JSON", "line 1"]),
        ["trailing comma in a list"] = (() => Valid().Replace("\"renewal\": 30", "\"contact\": [\"a@example.com\",]"), ["not valid JSON"]),
        ["cut off inside a string"] = (() => "{\"server\": \"https://127.0", ["not valid JSON", "line 1"]),
        ["NUL byte first"] = (() => "\0" + Valid(), ["not valid JSON", "line 1, column 1"]),
        ["JSON null"] = (() => "null", ["must contain a JSON object", "null"]),
        ["JSON string"] = (() => "\"https://127.0.0.1:9/dir\"", ["must contain a JSON object", "string"]),
        ["nested 100000 deep"] = (() => Valid().Replace("\"renewal\": 30", $"\"x\": {new string('[', 100_000)}{new string(']', 100_000)}"),
            ["not valid JSON", "depth"]),
        ["17 MB"] = (() => Valid().Replace("\"renewal\": 30", $"\"padding\": \"{new string('x', 17_000_000)}\""), ["too large"]),
    };

    public static TheoryData<string> Syntax => new(Unparsable.Keys);

    [Theory]
    [MemberData(nameof(Syntax))]
    public async Task Unparsable_shaman_json_is_refused_with_one_line_and_nothing_changes(string label)
    {
        var (text, says) = Unparsable[label];

        await ShamanRefusal.AssertRefusedAsync(label, Encoding.UTF8.GetBytes(text()), says);
    }

    /// <summary>Top-level fields of the wrong type or range (beyond tests/Shaman), merged into a valid profile.</summary>
    public static TheoryData<string, string[]> WrongSettings => new()
    {
        { "\"server\": null", ["\"server\"", "directory URL"] },
        { "\"server\": [\"https://127.0.0.1:9/dir\"]", ["\"server\"", "directory URL"] },
        { "\"server\": {}", ["\"server\"", "directory URL"] },
        { "\"server\": \"\"", ["\"server\"", "not an http(s) URL"] },
        { "\"server\": \"https://\"", ["\"server\"", "not an http(s) URL"] },
        { "\"server\": \"file:///etc/passwd\"", ["\"server\"", "file:///etc/passwd"] },
        { "\"renewal\": true", ["\"renewal\"", "number", "true"] },
        { "\"renewal\": [30]", ["\"renewal\"", "number", "list"] },
        { "\"renewal\": -0.5", ["\"renewal\"", "-0.5"] },
        { "\"renewal\": 1e400", ["\"renewal\""] },
        { "\"authenticators\": \"prove-challenge\"", ["\"authenticators\"", "object"] },
        { "\"authenticators\": {\"http-01\": [\"auth.sh\"]}", ["\"authenticators\"", "\"http-01\"", "program"] },
        { "\"authenticators\": {\"http-01\": {}}", ["\"authenticators\"", "\"http-01\"", "program"] },
        { "\"key\": \"\"", ["\"key\"", "non-empty string"] },
        { "\"key\": [\"account.key.priv.pem\"]", ["\"key\"", "list"] },
        { "\"account_id\": 42", ["\"account_id\"", "42"] },
        { "\"account_id\": \"\"", ["\"account_id\"", "non-empty string"] },
        { "\"logThreshold\": -1", ["\"logThreshold\"", "-1"] },
        { "\"logThreshold\": true", ["\"logThreshold\"", "number"] },
        { "\"logThreshold\": 1e400", ["\"logThreshold\""] },
        { "\"caBundle\": 5", ["\"caBundle\"", "5"] },
        { "\"caBundle\": \"\"", ["\"caBundle\"", "non-empty string"] },
        { "\"contact\": {}", ["\"contact\"", "list of strings"] },
        { "\"contact\": [null]", ["\"contact\"", "null"] },
        { "\"contact\": true", ["\"contact\"", "true"] },
        { "\"authenticatorTimeout\": \"5\"", ["\"authenticatorTimeout\"", "\"5\""] },
        { "\"authenticatorTimeout\": -1", ["\"authenticatorTimeout\"", "-1"] },
        { "\"authenticatorTimeout\": 86401", ["\"authenticatorTimeout\"", "86400"] },
        { "\"authenticatorTimeout\": []", ["\"authenticatorTimeout\"", "list"] },
        { "\"domains\": null", ["\"domains\""] },
        { "\"domains\": \"a.example.com\"", ["\"domains\"", "object"] },
        { "\"domains\": 5", ["\"domains\"", "object"] },
        { "\"domains\": []", ["\"domains\"", "list"] },
    };

    [Theory]
    [MemberData(nameof(WrongSettings))]
    public async Task Wrong_setting_is_refused_naming_the_field_and_nothing_changes(string setting, string[] says)
    {
        await ShamanRefusal.AssertRefusedAsync(setting, Merged($"{{{setting}}}"), says);
    }

    /// <summary>Settings of one domain of the wrong type; each message names the domain and the field.</summary>
    public static TheoryData<string, string[]> WrongDomainSettings => new()
    {
        { "[]", [Domain, "object"] },
        { "true", [Domain, "object", "true"] },
        { "{\"key\": \"\"}", [Domain, "\"key\"", "non-empty string"] },
        { "{\"key\": []}", [Domain, "\"key\"", "list"] },
        { "{\"key\": {}}", [Domain, "\"key\"", "object"] },
        { "{\"order_id\": 5}", [Domain, "\"order_id\"", "5"] },
        { "{\"order_id\": []}", [Domain, "\"order_id\"", "list"] },
        { "{\"certificate_id\": true}", [Domain, "\"certificate_id\"", "true"] },
        { "{\"certificate_id\": {}}", [Domain, "\"certificate_id\"", "object"] },
        { "{\"authenticators\": \"auth.sh\"}", [Domain, "\"authenticators\"", "object"] },
        { "{\"authenticators\": []}", [Domain, "\"authenticators\"", "list"] },
        { "{\"authenticators\": {\"http-01\": 5}}", [Domain, "\"http-01\"", "program"] },
    };

    [Theory]
    [MemberData(nameof(WrongDomainSettings))]
    public async Task Wrong_domain_setting_is_refused_naming_the_domain_and_field(string settings, string[] says)
    {
        var config = JsonNode.Parse(Valid())!.AsObject();
        config["domains"]![Domain] = JsonNode.Parse(settings);

        await ShamanRefusal.AssertRefusedAsync(settings, Encoding.UTF8.GetBytes(config.ToJsonString()), says);
    }

    /// <summary>Names a certificate may not have (they also become file names), beyond tests/Shaman's binary cases,
    /// written as JSON string content; the escaped form of control characters is what the message shows.</summary>
    public static TheoryData<string, string> InvalidNames => new()
    {
        { "", "empty" },
        { ".", "dot" },
        { "example.com.", "trailing dot" },
        { "a\\u0000b.example.com", "\\u0000" },
        { " a.example.com", "\\u0020" },
        { "a\\tb.example.com", "\\u0009" },
        { "a\\\\b.example.com", "'\\'" },
        { "a.example.com/../../outside", "'/'" },
        { "%2e%2e.example.com", "'%'" },
        { "ex\\u00e4mple.com", "punycode" },
        { "*", "'*'" },
        { "-.example.com", "'-'" },
        { "localhost", "single label" },
        { new string('a', 64) + ".example.com", "63" },
        { string.Join('.', Enumerable.Repeat(new string('a', 62), 4)) + ".com", "253" },
    };

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public async Task Invalid_domain_name_is_refused_naming_it_and_nothing_changes(string jsonName, string reason)
    {
        var name = JsonNode.Parse($"\"{jsonName}\"")!.GetValue<string>();
        var config = JsonNode.Parse(Valid())!.AsObject();
        config["domains"] = new JsonObject { ["ok.example.com"] = new JsonObject(), [name] = new JsonObject() };

        var stderr = await ShamanRefusal.AssertRefusedAsync($"name {jsonName}", Encoding.UTF8.GetBytes(config.ToJsonString()), ["domain \"", reason]);

        Assert.DoesNotContain('\0', stderr);
    }

    // ---- profiles refused up front, before they can do harm later ----------------------------------------------------

    /// <summary>A path field with a NUL byte (which no file name can hold) is refused up front, naming the field,
    /// before any key is written.</summary>
    public static TheoryData<string, string[]> NulInPaths => new()
    {
        { "{\"key\": \"account\\u0000.pem\"}", ["\"key\""] },
        { "{\"caBundle\": \"ca\\u0000.pem\"}", ["\"caBundle\""] },
        { "{\"domains\": {\"a.example.com\": {\"key\": \"a\\u0000.pem\"}}}", [Domain, "\"key\""] },
        { "{\"authenticators\": {\"http-01\": \"auth\\u0000.sh\"}}", ["\"http-01\""] },
    };

    [Theory]
    [MemberData(nameof(NulInPaths))]
    public async Task File_field_with_a_NUL_byte_is_refused_naming_the_field(string settings, string[] says)
    {
        await ShamanRefusal.AssertRefusedAsync(settings, Merged(settings), says);
    }

    /// <summary>A recorded state field that must be a URL and is not is a configuration error (exit 2) found before
    /// anything is written, not a failure of every domain after the keys were.</summary>
    public static TheoryData<string, string[]> StateThatIsNotAUrl => new()
    {
        { "{\"account_id\": \"not a url\"}", ["\"account_id\"", "not a url"] },
        { "{\"domains\": {\"a.example.com\": {\"order_id\": \"my-order/1\"}}}", [Domain, "\"order_id\"", "my-order/1"] },
        { "{\"domains\": {\"a.example.com\": {\"certificate_id\": \"cert 1\"}}}", [Domain, "\"certificate_id\"", "cert 1"] },
    };

    [Theory]
    [MemberData(nameof(StateThatIsNotAUrl))]
    public async Task Recorded_id_that_is_not_a_url_is_refused_before_anything_is_written(string settings, string[] says)
    {
        await ShamanRefusal.AssertRefusedAsync(settings, Merged(settings), says);
    }

    /// <summary>Bytes that are not UTF-8 inside a JSON string (which a JSON reader decodes only when the string is
    /// read) are refused with one line naming shaman.json and UTF-8, not a stack trace.</summary>
    [Theory]
    [InlineData("in a domain name", "{\"server\": \"https://127.0.0.1:9/dir\", \"domains\": {\"a\xff.example.com\": {}}}")]
    [InlineData("in the server URL", "{\"server\": \"https://127.0.0.1:9/\xfe\", \"domains\": {\"a.example.com\": {}}}")]
    public async Task Shaman_json_that_is_not_utf8_is_refused_with_one_line(string where, string latin1)
    {
        await ShamanRefusal.AssertRefusedAsync($"invalid UTF-8 {where}", Encoding.Latin1.GetBytes(latin1), ["shaman.json", "UTF-8"]);
    }

    /// <summary>A FIFO named shaman.json, whose open(2) would wait for a writer, is refused at once as something that
    /// is not a regular file.</summary>
    [Fact]
    public async Task Shaman_json_that_is_a_fifo_is_refused_at_once()
    {
        using var sandbox = new Sandbox();
        var profile = Directory.CreateDirectory(Path.Combine(sandbox.Nest, "profile")).FullName;
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [Path.Combine(profile, "shaman.json")]))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }
        var before = DirectorySnapshot.Take(sandbox.Root);

        var run = (await ShamanProcess.RunAsync([profile], timeout: TimeSpan.FromSeconds(10))).Exited(2);

        ShamanRefusal.AssertOneLine(run, ["shaman.json"]);
        DirectorySnapshot.AssertUnchanged(before, DirectorySnapshot.Take(sandbox.Root), "FIFO");
    }

    // ---- the refusal -------------------------------------------------------------------------------------------

    /// <summary>The valid profile with the top-level fields of the JSON object <paramref name="settings"/> put in.</summary>
    private static byte[] Merged(string settings)
    {
        var config = JsonNode.Parse(Valid())!.AsObject();
        foreach (var (field, value) in JsonNode.Parse(settings)!.AsObject().ToList()) config[field] = value?.DeepClone();
        return Encoding.UTF8.GetBytes(config.ToJsonString());
    }

    /// <summary>A valid profile (the base every case changes) that would contact nobody reachable.</summary>
    private static string Valid() =>
        "{\"server\": \"" + Unreachable + "\", \"renewal\": 30, \"authenticators\": {\"http-01\": \"auth.sh\"}, \"domains\": {\"" + Domain + "\": {}}}";
}
