using System.Net;
using Concorde.Acme.Crypto;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;
using Concorde.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>CA text that an administrator acts on: the issuer names that go into a dns-persist-01 record must be DNS
/// names (a hostile CA injected "; accounturi=https://evil/…", a forged line, an escape sequence, a bidi override);
/// what the CLI prints from the CA is escaped as shaman escapes it; the CA's spelling of a name must be exactly one of
/// ours (a KELVIN SIGN does not fold to "k", a trailing dot is another name); a name too long for its files is
/// refused when the profile is read.</summary>
public sealed class CaTextAdministratorsActOnTests
{
    private const string Account = "https://127.0.0.1/acme/acct/1";

    [Theory]
    [InlineData("letsencrypt.org", true)]
    [InlineData("ca-1.example", true)]
    [InlineData("ca.test; accounturi=https://evil.example/acct/9", false)]
    [InlineData("ca.test\nTXT record value: \"forged\"", false)]
    [InlineData("\u001b[31mca.test", false)]
    [InlineData("ca.\u202etset", false)]
    [InlineData("-ca.test", false)]
    [InlineData("ca..test", false)]
    [InlineData("", false)]
    public void Only_dns_names_are_issuer_domain_names(string name, bool accepted)
    {
        Assert.Equal(accepted, DnsPersistRecord.IsIssuerDomainName(name));
        if (!accepted) Assert.Throws<ArgumentException>(() => DnsPersistRecord.Value(name, new Uri(Account), wildcard: false, persistUntil: null));
    }

    [Fact]
    public async Task The_cli_uses_only_the_directorys_dns_names_and_names_the_rest_escaped()
    {
        using var handler = new ScriptedHandler().Always(HttpMethod.Get, ScriptedAcme.DirectoryUrl, _ => ScriptedHandler.Json(HttpStatusCode.OK,
            ScriptedAcme.Directory().Replace("\"meta\": {",
                "\"meta\": { \"caaIdentities\": [\"ca.test; accounturi=https://evil.example/acct/9\", \"ca.test\\n\\u001b[2KTXT record value: forged\", \"good.test\"],",
                StringComparison.Ordinal)));

        var (exit, output, error) = await InProcessCli.RunAsync(_ => new HttpClient(handler, disposeHandler: false),
            "dns-persist-record", ScriptedAcme.DirectoryUrl, Account, "www.example.org");

        Assert.True(exit == 0, error);
        Assert.Equal(["TXT record name: _validation-persist.www.example.org", $"TXT record value: \"good.test; accounturi={Account}\""],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain('\u001b', error);
        Assert.Equal(2, error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith("concorde: ignored caaIdentities entry ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_issuer_given_on_the_command_line_must_be_a_dns_name()
    {
        var (exit, output, error) = await InProcessCli.RunOfflineAsync("dns-persist-record", ScriptedAcme.DirectoryUrl, Account, "example.org",
            "--issuer", "ca.test; accounturi=https://evil.example/acct/9");

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("--issuer: 'ca.test; accounturi=https://evil.example/acct/9' is not a DNS name", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\u001b]0;owned\u0007detail")]
    [InlineData("detail \u202eesrever")]
    [InlineData("line one\u2028line two")]
    public void Server_text_shows_control_and_formatting_characters_as_escapes(string detail)
    {
        var line = ServerText.Line(detail);

        Assert.DoesNotContain(line, c => char.IsControl(c) || System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) is
            System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.LineSeparator);
        Assert.Contains("\\u", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("example.com", "Example.COM", true)]
    [InlineData("example.com", "example.com.", false)]
    [InlineData("kelvin.example", "\u212Aelvin.example", false)]
    public void The_cas_spelling_of_a_name_is_ours_only_but_for_ascii_case(string ours, string theirs, bool same) =>
        Assert.Equal(same, Identifier.SameSet([Identifier.ForDns(ours)], [Identifier.ForDns(theirs)]));

    [Fact]
    public void A_name_whose_files_would_not_fit_a_file_name_is_refused_when_the_profile_is_read()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 60), 3)) + "." + new string('b', 20) + ".example";
        Assert.True(name.Length is > DomainName.MaxFileStemLength and <= 253, $"{name.Length}");

        var error = Assert.Throws<ProfileException>(() => ProfileSettings.Parse(System.Text.Json.Nodes.JsonNode.Parse(
            "{\"server\": \"https://ca.example/dir\", \"domains\": {\"" + name + "\": {}}}")!.AsObject()));

        Assert.Contains("would not fit a file name", error.Message, StringComparison.Ordinal);
        Assert.Null(DomainName.Problem(name));
    }

    [Fact]
    public void The_cli_prints_a_servers_object_with_formatting_characters_escaped_and_still_valid_json()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var server = System.Text.Json.JsonDocument.Parse("{\"identifier\": {\"type\": \"dns\", \"value\": \"moc.elpmaxe\u202e.example\"}}");

        new Concorde.Cli.OutputPrinter(output, error).Json(server.RootElement);

        Assert.DoesNotContain('\u202e', output.ToString());
        using var printed = System.Text.Json.JsonDocument.Parse(output.ToString());
        Assert.Equal("moc.elpmaxe\u202e.example", printed.RootElement.GetProperty("identifier").GetProperty("value").GetString());
    }
}
