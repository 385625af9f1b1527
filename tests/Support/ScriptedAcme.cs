using System.Net;
using System.Text.Json;
using Concorde.Acme;
using Concorde.Acme.Crypto;

namespace Concorde.Tests.Support;

/// <summary>
/// A scripted ACME server for protocol cases Pebble does not produce: a directory (with renewalInfo and
/// profiles unless told otherwise), a newNonce that hands out nonce-1, nonce-2, ... and helpers to read the
/// JWS the client sent. Only the URLs are loopback; nothing touches the network.
/// </summary>
internal static class ScriptedAcme
{
    public const string Base = "https://127.0.0.1/acme/";
    public const string DirectoryUrl = Base + "directory";
    public const string NewNonceUrl = Base + "new-nonce";
    public const string NewAccountUrl = Base + "new-account";
    public const string NewOrderUrl = Base + "new-order";
    public const string RenewalInfoUrl = Base + "renewal-info";
    public const string AccountUrl = Base + "acct/1";
    public const string OrderUrl = Base + "order/1";

    public const string OrderJson = """
        {"status":"pending","expires":"2025-06-08T00:00:00Z","identifiers":[{"type":"dns","value":"example.com"}],
         "authorizations":["https://127.0.0.1/acme/authz/1"],"finalize":"https://127.0.0.1/acme/order/1/finalize"}
        """;

    /// <summary>The directory: every RFC 8555 resource, RFC 9773 renewalInfo, and two profiles.</summary>
    public static string Directory(bool renewalInfo = true) => $$"""
        {
          "newNonce": "{{NewNonceUrl}}",
          "newAccount": "{{NewAccountUrl}}",
          "newOrder": "{{NewOrderUrl}}",
          "revokeCert": "{{Base}}revoke-cert",
          "keyChange": "{{Base}}key-change",
          {{(renewalInfo ? $"\"renewalInfo\": \"{RenewalInfoUrl}\"," : "")}}
          "meta": {
            "termsOfService": "https://127.0.0.1/terms",
            "profiles": {
              "classic": "The same profile you're accustomed to",
              "shortlived": "A short-lived certificate profile"
            },
            "someFutureMember": [1, 2, 3]
          }
        }
        """;

    /// <summary>A handler that serves the directory and fresh nonces; tests add the rest.</summary>
    public static ScriptedHandler CreateHandler(bool renewalInfo = true)
    {
        var nonces = 0;
        return new ScriptedHandler()
            .Always(HttpMethod.Get, DirectoryUrl, _ => ScriptedHandler.Json(HttpStatusCode.OK, Directory(renewalInfo)))
            .Always(HttpMethod.Head, NewNonceUrl, _ =>
            {
                var response = new HttpResponseMessage(HttpStatusCode.OK);
                response.Headers.Add("Replay-Nonce", $"nonce-{Interlocked.Increment(ref nonces)}");
                response.Headers.CacheControl = new System.Net.Http.Headers.CacheControlHeaderValue { NoStore = true };
                return response;
            });
    }

    public static Task<AcmeClient> ConnectAsync(ScriptedHandler handler, TimeProvider? time = null, AcmeClientOptions? options = null) =>
        AcmeClient.CreateAsync(new HttpClient(handler, disposeHandler: false), new Uri(DirectoryUrl), time ?? TimeProvider.System,
            options, CancellationToken.None);

    public static AcmeAccountKey NewAccount() => new(KeyCurve.Generate(), new Uri(AccountUrl));

    /// <summary>201 Created with the order at <see cref="OrderUrl"/>.</summary>
    public static HttpResponseMessage OrderCreated(string nonce, string json = OrderJson) =>
        ScriptedHandler.Json(HttpStatusCode.Created, json, "application/json", ("Location", OrderUrl), ("Replay-Nonce", nonce));

    /// <summary>The decoded protected header of a recorded JWS request.</summary>
    public static JsonElement ProtectedHeader(ScriptedHandler.RecordedRequest request)
    {
        using var jws = JsonDocument.Parse(request.Body);
        using var header = JsonDocument.Parse(RfcBase64Url.Decode(jws.RootElement.GetProperty("protected").GetString()!));
        return header.RootElement.Clone();
    }

    /// <summary>The decoded JSON payload of a recorded JWS request.</summary>
    public static JsonElement Payload(ScriptedHandler.RecordedRequest request)
    {
        using var payload = JsonDocument.Parse(RfcBase64Url.Decode(EncodedPayload(request)));
        return payload.RootElement.Clone();
    }

    /// <summary>The payload member as sent: "" for POST-as-GET (RFC 8555 §6.3).</summary>
    public static string EncodedPayload(ScriptedHandler.RecordedRequest request)
    {
        using var jws = JsonDocument.Parse(request.Body);
        return jws.RootElement.GetProperty("payload").GetString()!;
    }
}
