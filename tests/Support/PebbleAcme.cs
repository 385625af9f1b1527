using System.Security.Cryptography;
using Concorde.Acme;
using Concorde.Acme.Crypto;
using Concorde.Acme.Http;
using Concorde.Acme.Wire;
using Xunit;

namespace Concorde.Tests.Support;

/// <summary>
/// The Acme library pointed at a <see cref="PebbleServer"/>: an <see cref="AcmeClient"/> over the library's own
/// HttpClient (trusting only the server's CA), plus the steps every integration test repeats — a new account,
/// publishing a challenge response through challtestsrv, and a complete issuance.
/// </summary>
internal sealed class PebbleAcme : IDisposable
{
    /// <summary>Polls quickly: Pebble with PEBBLE_VA_NOSLEEP decides within milliseconds.</summary>
    public static readonly AcmeClientOptions FastPolling = new()
    {
        PollInitialInterval = TimeSpan.FromMilliseconds(50),
        PollMaxInterval = TimeSpan.FromMilliseconds(500),
        PollTimeout = TimeSpan.FromSeconds(30),
    };

    private readonly HttpClient http;
    private CancellationTokenSource? deadline;

    private PebbleAcme(PebbleServer server, HttpClient http, AcmeClient client)
    {
        Server = server;
        this.http = http;
        Client = client;
    }

    public PebbleServer Server { get; }
    public AcmeClient Client { get; }

    /// <summary>The token of the deadline <see cref="ConnectUnderDeadlineAsync"/> started; none otherwise.</summary>
    public CancellationToken Cancellation => deadline?.Token ?? CancellationToken.None;

    /// <summary>A 60 s <see cref="TestDeadline"/> for one test, then <see cref="ConnectAsync"/> under it; the deadline's
    /// token is <see cref="Cancellation"/>, and disposing the client ends both.</summary>
    public static async Task<PebbleAcme> ConnectUnderDeadlineAsync(PebbleServer server)
    {
        var ct = TestDeadline.Start(out var source);
        try
        {
            var acme = await ConnectAsync(server, ct);
            acme.deadline = source;
            return acme;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>A client over <see cref="AcmeHttpClientFactory"/>, or over <paramref name="recorder"/> (wrapping a handler
    /// that trusts the server's CA) when a test needs to see the traffic. <paramref name="directoryUrl"/> points it at
    /// something in front of the server (a proxy with the same certificate); <paramref name="time"/> replaces the clock.</summary>
    public static async Task<PebbleAcme> ConnectAsync(PebbleServer server, CancellationToken ct, AcmeClientOptions? options = null,
        Func<HttpMessageHandler, RecordingHandler>? recorder = null, Uri? directoryUrl = null, TimeProvider? time = null)
    {
        var http = recorder is null
            ? AcmeHttpClientFactory.Create("tests", AcmeHttpClientFactory.LoadTrustedRoots(server.CaBundlePath))
            : new HttpClient(recorder(server.CreateTrustingHandler()), disposeHandler: true);
        try
        {
            var client = await AcmeClient.CreateAsync(http, directoryUrl ?? server.DirectoryUrl, time ?? TimeProvider.System,
                options ?? FastPolling, ct);
            return new PebbleAcme(server, http, client);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    /// <summary>A name no other test uses; challtestsrv resolves every name to 127.0.0.1.</summary>
    public static string FreshName() => $"{Guid.NewGuid():N}.example.com";

    /// <summary>A fresh P-384 key with a new account that agreed to the terms of service.</summary>
    public async Task<AcmeAccountKey> NewAccountAsync(CancellationToken ct)
    {
        var key = KeyCurve.Generate();
        var account = await Client.NewAccountAsync(key, ["mailto:admin@example.com"], termsOfServiceAgreed: true, null, ct);
        Assert.Equal(AcmeStatus.Valid, account.Value.Status);
        return new AcmeAccountKey(key, account.Location);
    }

    /// <summary>A new order for one fresh DNS name.</summary>
    public Task<AcmeResource<Order>> NewOrderForFreshNameAsync(AcmeAccountKey account, CancellationToken ct) =>
        NewOrderAsync(account, Identifier.ForDns(FreshName()), ct);

    /// <summary>A new order for <paramref name="identifier"/> alone.</summary>
    public Task<AcmeResource<Order>> NewOrderAsync(AcmeAccountKey account, Identifier identifier, CancellationToken ct) =>
        Client.NewOrderAsync(account, new NewOrderPayload { Identifiers = [identifier] }, ct);

    /// <summary>The one authorization of an order for a single identifier.</summary>
    public Task<AcmeResource<Authorization>> SingleAuthorizationAsync(AcmeAccountKey account, AcmeResource<Order> order,
        CancellationToken ct) =>
        Client.GetAuthorizationAsync(account, Assert.Single(order.Value.Authorizations), ct);

    /// <summary>Makes challtestsrv answer <paramref name="challenge"/> for <paramref name="identifier"/> with the
    /// key authorization of <paramref name="accountKey"/>.</summary>
    public async Task PublishAsync(Identifier identifier, Challenge challenge, ECDsa accountKey, CancellationToken ct)
    {
        var token = challenge.Token ?? throw new InvalidOperationException($"{challenge.Type} challenge without token");
        var keyAuthorization = KeyAuthorization.For(token, accountKey);
        switch (challenge.Type)
        {
            case Challenge.Http01:
                await Server.ChallengeServer.AddHttp01Async(token, keyAuthorization, ct);
                break;
            case Challenge.Dns01:
                await Server.ChallengeServer.AddTxtAsync(KeyAuthorization.Dns01RecordName(identifier.Value) + ".",
                    KeyAuthorization.Dns01TxtValue(keyAuthorization), ct);
                break;
            case Challenge.TlsAlpn01:
                await Server.ChallengeServer.AddTlsAlpn01Async(identifier.Value, keyAuthorization, ct);
                break;
            default:
                throw new InvalidOperationException($"no way to publish a {challenge.Type} challenge");
        }
    }

    /// <summary>Validates one authorization with <paramref name="challengeType"/>: publish, respond, wait.</summary>
    public async Task<AcmeResource<Authorization>> AuthorizeAsync(AcmeAccountKey account, Uri authorizationUrl,
        string challengeType, CancellationToken ct)
    {
        var authorization = await Client.GetAuthorizationAsync(account, authorizationUrl, ct);
        // §7.1.3: a server may reuse a valid authorization (Pebble does, half of the time).
        if (authorization.Value.Status == AcmeStatus.Valid)
        {
            return authorization;
        }

        Assert.Equal(AcmeStatus.Pending, authorization.Value.Status);
        var challenge = authorization.Value.Challenges.Single(c => c.Type == challengeType);
        await PublishAsync(authorization.Value.Identifier, challenge, account.Key, ct);
        await Client.RespondToChallengeAsync(account, challenge.Url, ct);
        var valid = await Client.WaitForAuthorizationAsync(account, authorization, ct);
        Assert.Equal(AcmeStatus.Valid, valid.Value.Status);
        return valid;
    }

    /// <summary>New order, then <see cref="CompleteAsync"/>.</summary>
    public async Task<Issued> IssueAsync(AcmeAccountKey account, IReadOnlyList<Identifier> identifiers, string challengeType,
        CancellationToken ct)
    {
        var order = await Client.NewOrderAsync(account, new NewOrderPayload { Identifiers = identifiers }, ct);
        Assert.Equal(identifiers.Order(IdentifierOrder), order.Value.Identifiers.Order(IdentifierOrder));
        return await CompleteAsync(account, order, challengeType, ct);
    }

    /// <summary>Every authorization of <paramref name="order"/> validated with <paramref name="challengeType"/>,
    /// finalize with a fresh P-384 certificate key, wait, download.</summary>
    public async Task<Issued> CompleteAsync(AcmeAccountKey account, AcmeResource<Order> order, string challengeType,
        CancellationToken ct)
    {
        foreach (var authorizationUrl in order.Value.Authorizations)
        {
            await AuthorizeAsync(account, authorizationUrl, challengeType, ct);
        }

        var certificateKey = KeyCurve.Generate();
        var finalized = await Client.FinalizeAsync(account, await Client.WaitForOrderAsync(account, order, ct), certificateKey, ct);
        var valid = await Client.WaitForOrderAsync(account, finalized, ct);
        Assert.Equal(AcmeStatus.Valid, valid.Value.Status);
        var certificateUrl = valid.Value.Certificate ?? throw new InvalidOperationException("valid order without certificate URL");
        var chain = await Client.DownloadCertificateAsync(account, certificateUrl, ct);
        return new Issued(valid, certificateKey, chain);
    }

    private static readonly Comparer<Identifier> IdentifierOrder =
        Comparer<Identifier>.Create((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));

    public void Dispose()
    {
        http.Dispose();
        deadline?.Dispose();
    }

    /// <summary>The outcome of <see cref="IssueAsync"/>.</summary>
    public sealed record Issued(AcmeResource<Order> Order, ECDsa CertificateKey, CertificateChain Chain);
}
