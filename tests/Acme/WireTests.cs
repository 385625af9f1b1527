using System.Net;
using System.Text.Json;
using Concorde.Acme;
using Concorde.Acme.Wire;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>Wire records tolerate what they don't know: new states, new challenge types, new members. A null where a
/// record requires a value is malformed JSON, never a null handed on.</summary>
public sealed class WireTests
{
    [Theory]
    [InlineData("pending", AcmeStatus.Pending)]
    [InlineData("ready", AcmeStatus.Ready)]
    [InlineData("processing", AcmeStatus.Processing)]
    [InlineData("valid", AcmeStatus.Valid)]
    [InlineData("invalid", AcmeStatus.Invalid)]
    [InlineData("deactivated", AcmeStatus.Deactivated)]
    [InlineData("expired", AcmeStatus.Expired)]
    [InlineData("revoked", AcmeStatus.Revoked)]
    public void Rfc_states_are_read(string text, AcmeStatus status)
    {
        Assert.Equal(status, Status(text));
    }

    [Theory]
    [InlineData("pondering")]
    [InlineData("")]
    [InlineData("4")]
    [InlineData("pending,ready")]
    [InlineData("valid, pending")]
    [InlineData("Unknown")]
    public void Anything_else_is_unknown_never_a_combination_of_states(string text)
    {
        // Enum.Parse would read "pending,ready" as the flags 1|2, which is Processing.
        Assert.Equal(AcmeStatus.Unknown, Status(text));
    }

    [Fact]
    public void States_are_written_in_lowercase()
    {
        Assert.Equal("\"deactivated\"", JsonSerializer.Serialize(new Account { Status = AcmeStatus.Deactivated }, AcmeJsonContext.Default.Account)
            .Split(':')[1].TrimEnd('}'));
    }

    [Fact]
    public void Unknown_challenge_types_are_kept_as_their_name()
    {
        const string json = """
            {"identifier":{"type":"dns","value":"example.com"},"status":"pending","wildcard":true,
             "challenges":[{"type":"dns-account-01","url":"https://127.0.0.1/c/1","token":"t","status":"pending"},
                           {"type":"http-01","url":"https://127.0.0.1/c/2","token":"u","status":"valid","validated":"2025-06-01T12:00:00Z"}]}
            """;

        var authorization = JsonSerializer.Deserialize(json, AcmeJsonContext.Default.Authorization)!;

        Assert.Equal(["dns-account-01", Challenge.Http01], authorization.Challenges.Select(c => c.Type));
        Assert.True(authorization.Wildcard);
        Assert.Equal(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero), authorization.Challenges[1].Validated);
    }

    [Theory]
    [InlineData("""{"identifier":null,"challenges":[]}""")]
    [InlineData("""{"identifier":{"type":"dns","value":null},"challenges":[]}""")]
    [InlineData("""{"identifier":{"type":"dns"},"challenges":[]}""")]
    [InlineData("""{"identifier":{"type":"dns","value":"example.com"},"challenges":null}""")]
    [InlineData("""{"identifier":{"type":"dns","value":"example.com"}}""")]
    [InlineData("""{"identifier":{"type":"dns","value":"example.com"},"challenges":[null]}""")]
    [InlineData("""{"identifier":{"type":"dns","value":"example.com"},"challenges":[{"type":"http-01","url":null}]}""")]
    [InlineData("""{"identifier":{"type":"dns","value":"example.com"},"challenges":[{"type":null,"url":"https://127.0.0.1/c/1"}]}""")]
    public void Authorization_with_null_where_a_value_is_required_is_malformed(string json)
    {
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(json, AcmeJsonContext.Default.Authorization));
    }

    [Theory]
    [InlineData("""{"identifiers":null,"authorizations":[]}""")]
    [InlineData("""{"identifiers":[null],"authorizations":[]}""")]
    [InlineData("""{"identifiers":[],"authorizations":null}""")]
    [InlineData("""{"identifiers":[],"authorizations":["https://127.0.0.1/a/1",null]}""")]
    [InlineData("""{"identifiers":[]}""")]
    [InlineData("""{"authorizations":[]}""")]
    public void Order_with_null_where_a_value_is_required_is_malformed(string json)
    {
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(json, AcmeJsonContext.Default.Order));
    }

    [Theory]
    [InlineData("""{"suggestedWindow":null}""")]
    [InlineData("""{"suggestedWindow":{"start":"2030-01-01T00:00:00Z"}}""")]
    [InlineData("""{"suggestedWindow":{"start":null,"end":"2030-01-01T00:00:00Z"}}""")]
    public void Renewal_info_without_a_whole_window_is_malformed(string json)
    {
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(json, AcmeJsonContext.Default.RenewalInfo));
    }

    [Fact]
    public void Optional_members_may_be_null()
    {
        var order = JsonSerializer.Deserialize("""{"status":"pending","identifiers":[],"authorizations":[],"error":null,"finalize":null,"profile":null}""",
            AcmeJsonContext.Default.Order)!;

        Assert.Null(order.Finalize);
        Assert.Null(order.Error);
    }

    [Theory]
    [InlineData("example.com", "dns", "example.com")]
    [InlineData("*.example.com", "dns", "*.example.com")]
    [InlineData("127.0.0.1", "ip", "127.0.0.1")]
    [InlineData("2001:db8:0:0:0:0:0:1", "ip", "2001:db8::1")]
    [InlineData("::1", "ip", "::1")]
    [InlineData("10", "dns", "10")]
    [InlineData("1.2.3", "dns", "1.2.3")]
    [InlineData("0x7f.0.0.1", "dns", "0x7f.0.0.1")]
    [InlineData("10.0.0.0/8", "dns", "10.0.0.0/8")]
    public void Names_become_ip_identifiers_only_when_they_are_address_literals(string name, string type, string value)
    {
        // IPAddress.TryParse also takes inet_aton shorthands: "10" is 0.0.0.10 and "1.2.3" is 1.2.0.3.
        Assert.Equal(new Identifier(type, value), Identifier.ForName(name));
    }

    [Fact]
    public void Ip_identifier_uses_the_rfc_5952_text_form()
    {
        Assert.Equal("ip|2001:db8::1", Identifier.ForIp(IPAddress.Parse("2001:0DB8:0000::0001")).ToString());
    }

    private static AcmeStatus Status(string text) =>
        JsonSerializer.Deserialize($$"""{"status":"{{text}}"}""", AcmeJsonContext.Default.Account)!.Status;
}
