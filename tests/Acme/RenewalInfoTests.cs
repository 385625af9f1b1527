using System.Net;
using Concorde.Acme.Problems;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>ACME Renewal Information (RFC 9773) against a scripted server; Pebble 2.4 does not serve it.</summary>
public sealed class RenewalInfoTests
{
    private const string CertificateId = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";
    private const string RenewalInfoUrl = ScriptedAcme.RenewalInfoUrl + "/" + CertificateId;

    /// <summary>RFC 9773 §4.2's example response body.</summary>
    private const string Rfc9773Example = """
        {
          "suggestedWindow": {
            "start": "2025-01-02T04:00:00Z",
            "end": "2025-01-03T04:00:00Z"
          },
          "explanationURL": "https://acme.example.com/docs/ari"
        }
        """;

    [Fact]
    public async Task Renewal_info_gives_the_suggested_window_explanation_and_retry_after()
    {
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Get, RenewalInfoUrl, _ => ScriptedHandler.Json(HttpStatusCode.OK, Rfc9773Example, "application/json", ("Retry-After", "21600")));
        var client = await ScriptedAcme.ConnectAsync(handler);

        var info = await client.GetRenewalInfoAsync(CertificateId, CancellationToken.None);

        Assert.True(client.SupportsRenewalInfo);
        Assert.Equal(new DateTimeOffset(2025, 1, 2, 4, 0, 0, TimeSpan.Zero), info.Value.SuggestedWindow.Start);
        Assert.Equal(new DateTimeOffset(2025, 1, 3, 4, 0, 0, TimeSpan.Zero), info.Value.SuggestedWindow.End);
        Assert.Equal(new Uri("https://acme.example.com/docs/ari"), info.Value.ExplanationUrl);
        Assert.Equal(TimeSpan.FromHours(6), info.RetryAfter);
        // §4.2: an unauthenticated GET, no JWS and no nonce needed.
        var request = Assert.Single(handler.RequestsTo(HttpMethod.Get, RenewalInfoUrl));
        Assert.Empty(request.Body);
        Assert.Empty(handler.RequestsTo(HttpMethod.Head, ScriptedAcme.NewNonceUrl));
    }

    [Fact]
    public async Task Renewal_info_with_a_window_that_ends_before_it_starts_is_a_protocol_error()
    {
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Get, RenewalInfoUrl, _ => ScriptedHandler.Json(HttpStatusCode.OK,
                """{"suggestedWindow":{"start":"2025-01-03T04:00:00Z","end":"2025-01-02T04:00:00Z"}}"""));
        var client = await ScriptedAcme.ConnectAsync(handler);

        await Assert.ThrowsAsync<AcmeProtocolException>(() => client.GetRenewalInfoAsync(CertificateId, CancellationToken.None));
    }

    [Fact]
    public async Task Renewal_info_without_a_window_is_a_protocol_error()
    {
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Get, RenewalInfoUrl, _ => ScriptedHandler.Json(HttpStatusCode.OK, """{"explanationURL":"https://127.0.0.1/x"}"""));
        var client = await ScriptedAcme.ConnectAsync(handler);

        await Assert.ThrowsAsync<AcmeProtocolException>(() => client.GetRenewalInfoAsync(CertificateId, CancellationToken.None));
    }

    [Fact]
    public async Task Server_without_renewal_info_says_so_without_a_request()
    {
        var handler = ScriptedAcme.CreateHandler(renewalInfo: false);
        var client = await ScriptedAcme.ConnectAsync(handler);
        var sent = handler.Requests.Count;

        Assert.False(client.SupportsRenewalInfo);
        await Assert.ThrowsAsync<AcmeProtocolException>(() => client.GetRenewalInfoAsync(CertificateId, CancellationToken.None));
        Assert.Equal(sent, handler.Requests.Count);
    }
}
