using System.Text.Json;
using Concorde.Acme;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>Problem documents (RFC 7807, RFC 8555 §6.7) and their typed kinds.</summary>
public sealed class ProblemTests
{
    [Theory]
    [InlineData("urn:ietf:params:acme:error:accountDoesNotExist", ProblemKind.AccountDoesNotExist)]
    [InlineData("urn:ietf:params:acme:error:alreadyReplaced", ProblemKind.AlreadyReplaced)]
    [InlineData("urn:ietf:params:acme:error:conflict", ProblemKind.Conflict)]
    [InlineData("urn:ietf:params:acme:error:alreadyRevoked", ProblemKind.AlreadyRevoked)]
    [InlineData("urn:ietf:params:acme:error:badCSR", ProblemKind.BadCsr)]
    [InlineData("urn:ietf:params:acme:error:badNonce", ProblemKind.BadNonce)]
    [InlineData("urn:ietf:params:acme:error:badPublicKey", ProblemKind.BadPublicKey)]
    [InlineData("urn:ietf:params:acme:error:badRevocationReason", ProblemKind.BadRevocationReason)]
    [InlineData("urn:ietf:params:acme:error:badSignatureAlgorithm", ProblemKind.BadSignatureAlgorithm)]
    [InlineData("urn:ietf:params:acme:error:caa", ProblemKind.Caa)]
    [InlineData("urn:ietf:params:acme:error:compound", ProblemKind.Compound)]
    [InlineData("urn:ietf:params:acme:error:connection", ProblemKind.Connection)]
    [InlineData("urn:ietf:params:acme:error:dns", ProblemKind.Dns)]
    [InlineData("urn:ietf:params:acme:error:externalAccountRequired", ProblemKind.ExternalAccountRequired)]
    [InlineData("urn:ietf:params:acme:error:incorrectResponse", ProblemKind.IncorrectResponse)]
    [InlineData("urn:ietf:params:acme:error:invalidContact", ProblemKind.InvalidContact)]
    [InlineData("urn:ietf:params:acme:error:invalidProfile", ProblemKind.InvalidProfile)]
    [InlineData("urn:ietf:params:acme:error:malformed", ProblemKind.Malformed)]
    [InlineData("urn:ietf:params:acme:error:orderNotReady", ProblemKind.OrderNotReady)]
    [InlineData("urn:ietf:params:acme:error:rateLimited", ProblemKind.RateLimited)]
    [InlineData("urn:ietf:params:acme:error:rejectedIdentifier", ProblemKind.RejectedIdentifier)]
    [InlineData("urn:ietf:params:acme:error:serverInternal", ProblemKind.ServerInternal)]
    [InlineData("urn:ietf:params:acme:error:tls", ProblemKind.Tls)]
    [InlineData("urn:ietf:params:acme:error:unauthorized", ProblemKind.Unauthorized)]
    [InlineData("urn:ietf:params:acme:error:unsupportedContact", ProblemKind.UnsupportedContact)]
    [InlineData("urn:ietf:params:acme:error:unsupportedIdentifier", ProblemKind.UnsupportedIdentifier)]
    [InlineData("urn:ietf:params:acme:error:userActionRequired", ProblemKind.UserActionRequired)]
    public void Known_acme_urns_have_their_kind(string type, ProblemKind kind)
    {
        Assert.Equal(kind, ProblemTypes.Parse(type));
    }

    [Theory]
    [InlineData("urn:example:error:badNonce")]
    [InlineData("urn:ietf:params:acme:error:somethingFromANewerRfc")]
    [InlineData("urn:ietf:params:acme:error:")]
    [InlineData("about:blank")]
    [InlineData("")]
    [InlineData(null)]
    public void Other_types_are_other(string? type)
    {
        Assert.Equal(ProblemKind.Other, ProblemTypes.Parse(type));
    }

    [Fact]
    public void Every_kind_but_other_has_an_acme_urn()
    {
        var parsed = Enum.GetValues<ProblemKind>()
            .Where(kind => kind != ProblemKind.Other)
            .Select(kind => ProblemTypes.Parse(ProblemTypes.AcmeNamespace + char.ToLowerInvariant(kind.ToString()[0]) + kind.ToString()[1..]))
            .ToArray();

        // Only badCSR is spelled with capitals in the URN, so the naive camelCase of BadCsr misses it.
        Assert.Equal(Enum.GetValues<ProblemKind>().Length - 2, parsed.Count(kind => kind != ProblemKind.Other));
    }

    [Fact]
    public void Subproblems_are_parsed_with_their_identifiers()
    {
        // RFC 8555 §6.7.1.
        const string json = """
            {
                "type": "urn:ietf:params:acme:error:malformed",
                "detail": "Some of the identifiers requested were rejected",
                "subproblems": [
                    {
                        "type": "urn:ietf:params:acme:error:malformed",
                        "detail": "Invalid underscore in DNS name \"_example.org\"",
                        "identifier": { "type": "dns", "value": "_example.org" }
                    },
                    {
                        "type": "urn:ietf:params:acme:error:rejectedIdentifier",
                        "detail": "This CA will not issue for \"example.net\"",
                        "identifier": { "type": "dns", "value": "example.net" }
                    }
                ]
            }
            """;

        var problem = JsonSerializer.Deserialize(json, AcmeJsonContext.Default.Problem)!;

        Assert.Equal(ProblemKind.Malformed, problem.Kind);
        Assert.Collection(problem.Subproblems!,
            first =>
            {
                Assert.Equal(ProblemKind.Malformed, first.Kind);
                Assert.Equal(Identifier.ForDns("_example.org"), first.Identifier);
            },
            second =>
            {
                Assert.Equal(ProblemKind.RejectedIdentifier, second.Kind);
                Assert.Equal(Identifier.ForDns("example.net"), second.Identifier);
                Assert.Equal("urn:ietf:params:acme:error:rejectedIdentifier: This CA will not issue for \"example.net\" (dns|example.net)",
                    second.ToString());
            });
    }

    [Fact]
    public void Unknown_members_are_ignored()
    {
        const string json = """{"type":"urn:ietf:params:acme:error:rateLimited","status":429,"instance":"x","extra":{"a":[1,2]}}""";

        var problem = JsonSerializer.Deserialize(json, AcmeJsonContext.Default.Problem)!;

        Assert.Equal(ProblemKind.RateLimited, problem.Kind);
        Assert.Equal(429, problem.Status);
        Assert.Null(problem.Subproblems);
    }
}
