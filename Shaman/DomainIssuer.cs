using System.Security.Cryptography;
using Concorde.Acme;
using Concorde.Acme.Crypto;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;

namespace Concorde.Shaman;

/// <summary>How a domain ended a run.</summary>
public enum DomainOutcome
{
    Current,
    Issued,
}

/// <summary>Carries one domain from wherever its recorded state says it is (no order, an order in any state,
/// a certificate) to a current certificate on disk, persisting each state change before the next request.</summary>
public sealed class DomainIssuer(DomainSettings domain, ShamanContext context)
{
    /// <summary>Each step moves the state forward; more steps than this would mean a server that loops.</summary>
    private const int MaxSteps = 10;

    private ProfileDocument Document => context.Document;
    private ShamanLog Log => context.Log;
    private string Name => domain.Name;
    private IReadOnlyList<Identifier> Identifiers { get; } = [Identifier.ForName(domain.Name)];

    public async Task<DomainOutcome> RunAsync(CancellationToken ct)
    {
        var key = await context.Keys.DomainKeyAsync(domain, ct);
        var issued = false;
        AcmeResource<Order>? fresh = null;
        for (var step = 0; step < MaxSteps; step++)
        {
            if (Document.Get(Name, "order_id") is { } orderId)
            {
                issued |= await AdvanceOrderAsync(ParseUrl(orderId, "order_id"), fresh, key, ct);
                fresh = null;
            }
            else if (Document.Get(Name, "certificate_id") is { } certificateId)
            {
                // A certificate issued in this run is not reconsidered: a renewal window longer than the
                // lifetime would otherwise order certificates without end.
                if (issued) return DomainOutcome.Issued;
                if (await IsCertificateCurrentAsync(ParseUrl(certificateId, "certificate_id"), key, ct))
                    return issued ? DomainOutcome.Issued : DomainOutcome.Current;
            }
            else
            {
                fresh = await NewOrderAsync(ct);
            }
        }
        throw new DomainFailure($"{Name}: no certificate after {MaxSteps} steps; the server keeps changing state");
    }

    // ---- no order yet -----------------------------------------------------------------------------------------

    private async Task<AcmeResource<Order>> NewOrderAsync(CancellationToken ct)
    {
        var (client, account) = await context.Session.OpenAsync(ct);
        var order = await client.NewOrderAsync(account, new NewOrderPayload { Identifiers = Identifiers }, ct);
        await Document.SetAsync(Name, "order_id", order.Location.AbsoluteUri, ct);
        Log.Info($"{Name}: created order {order.Location}");
        return order;
    }

    // ---- an order -------------------------------------------------------------------------------------------

    /// <summary>Drives the recorded order to a certificate. Returns true when one was issued and written;
    /// false when the order is gone or dead and was dropped, so the caller starts a new one.</summary>
    private async Task<bool> AdvanceOrderAsync(Uri orderUrl, AcmeResource<Order>? fresh, ECDsa key, CancellationToken ct)
    {
        var (client, account) = await context.Session.OpenAsync(ct);
        AcmeResource<Order> order;
        try
        {
            order = fresh ?? await client.GetOrderAsync(account, orderUrl, ct);
        }
        catch (AcmeProblemException e) when (AcmeSession.IsNotFound(e))
        {
            Log.Info($"{Name}: order {orderUrl} was not found; starting a new one");
            await Document.RemoveAsync(Name, "order_id", ct);
            return false;
        }

        while (true)
        {
            switch (order.Value.Status)
            {
                case AcmeStatus.Pending:
                    await AuthorizeAsync(client, account, order.Value, ct);
                    order = await client.WaitForOrderAsync(account, await client.GetOrderAsync(account, orderUrl, ct), ct);
                    break;
                case AcmeStatus.Ready:
                    Log.Info($"{Name}: finalizing order");
                    order = await client.WaitForOrderAsync(account, await client.FinalizeAsync(account, order, key, ct), ct);
                    break;
                case AcmeStatus.Processing:
                    order = await client.WaitForOrderAsync(account, order, ct);
                    break;
                case AcmeStatus.Valid:
                    return await DownloadAsync(client, account, order, key, ct);
                default:
                    var why = order.Value.Error is { } error ? $": {error}" : "";
                    Log.Info($"{Name}: order {orderUrl} is {AcmeStatusConverter.Name(order.Value.Status)}{why}; starting a new one");
                    await Document.RemoveAsync(Name, "order_id", ct);
                    return false;
            }
        }
    }

    private async Task<bool> DownloadAsync(AcmeClient client, AcmeAccountKey account, AcmeResource<Order> order, ECDsa key, CancellationToken ct)
    {
        if (order.Value.Certificate is not { } certificateUrl)
            throw new DomainFailure($"{Name}: order {order.Location} is valid but names no certificate");
        var chain = await client.DownloadCertificateAsync(account, certificateUrl, ct);
        var (leaf, problem) = CertificateFile.Check(chain.Pem, key, Identifiers);
        if (leaf is null)
            throw new DomainFailure($"{Name}: the server's certificate {certificateUrl} {problem}; not written");
        Log.Info($"{Name}: got certificate {certificateUrl}, valid until {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC");
        await WriteIfChangedAsync(chain.Pem, ct);
        await Document.UpdateDomainAsync(Name, d =>
        {
            d["certificate_id"] = certificateUrl.AbsoluteUri;
            d.Remove("order_id");
        }, ct);
        leaf.Dispose();
        return true;
    }

    // ---- authorizations and challenges ---------------------------------------------------------------------

    private async Task AuthorizeAsync(AcmeClient client, AcmeAccountKey account, Order order, CancellationToken ct)
    {
        foreach (var authorizationUrl in order.Authorizations)
        {
            var authorization = await client.GetAuthorizationAsync(account, authorizationUrl, ct);
            switch (authorization.Value.Status)
            {
                case AcmeStatus.Valid:
                    continue;
                case AcmeStatus.Pending:
                    Log.Info($"{Name}: authorizing {authorization.Value.Identifier.Value} ({authorizationUrl})");
                    await SatisfyAsync(client, account, authorization, ct);
                    break;
                default:
                    throw new DomainFailure($"{Name}: authorization for {authorization.Value.Identifier.Value} is " +
                                            $"{AcmeStatusConverter.Name(authorization.Value.Status)}; a new order starts on the next run");
            }
        }
    }

    /// <summary>Picks a challenge with an authenticator (the domain's own first, then the profile's), runs it,
    /// tells the server to validate and waits for the verdict.</summary>
    private async Task SatisfyAsync(AcmeClient client, AcmeAccountKey account, AcmeResource<Authorization> authorization, CancellationToken ct)
    {
        var (challenge, program) = ChooseChallenge(authorization.Value);
        var identifier = authorization.Value.Identifier;
        if (challenge.Status == AcmeStatus.Pending)
        {
            var keyAuthorization = KeyAuthorization.For(challenge.Token ?? throw new DomainFailure($"{Name}: challenge {challenge.Url} has no token"),
                context.Session.AccountKey);
            var isDns = challenge.Type == Challenge.Dns01;
            var request = new ChallengeRequest(identifier.Value, identifier.Type, challenge.Type, challenge.Token, keyAuthorization,
                isDns ? KeyAuthorization.Dns01RecordName(identifier.Value) : null,
                isDns ? KeyAuthorization.Dns01TxtValue(keyAuthorization) : null);
            await context.Authenticators.RunAsync(program, $"{Name}: {challenge.Type} authenticator", request, ct);
            Log.Info($"{Name}: authenticated {identifier.Value} with {challenge.Type}");
            await client.RespondToChallengeAsync(account, challenge.Url, ct);
            Log.Info($"{Name}: validating challenge");
        }
        try
        {
            await client.WaitForAuthorizationAsync(account, authorization, ct);
        }
        catch (AcmeProblemException e)
        {
            throw new DomainFailure($"{Name}: validation of {identifier.Value} with {challenge.Type} failed: {e.Problem}. " +
                                    "Check that the authenticator publishes the response where the CA looks; a new order starts on the next run");
        }
        Log.Info($"{Name}: {identifier.Value} is authorized");
    }

    private (Challenge Challenge, string Program) ChooseChallenge(Authorization authorization)
    {
        foreach (var authenticators in new[] { domain.Authenticators, context.Settings.Authenticators })
            foreach (var challenge in authorization.Challenges)
                if (challenge.Status is AcmeStatus.Pending or AcmeStatus.Processing && authenticators.TryGetValue(challenge.Type, out var program))
                    return (challenge, program);
        var offered = string.Join(" or ", authorization.Challenges.Select(c => c.Type));
        throw new DomainFailure($"{Name}: no authenticator for {authorization.Identifier.Value}; the server offers {offered}. " +
                                "Add one to \"authenticators\" in shaman.json");
    }

    // ---- a certificate --------------------------------------------------------------------------------------

    /// <summary>Checks the local file first; the CA is asked only when the file is missing or wrong. Returns
    /// false (after dropping certificate_id) when a new certificate is needed.</summary>
    private async Task<bool> IsCertificateCurrentAsync(Uri certificateUrl, ECDsa key, CancellationToken ct)
    {
        var path = Document.ResolvePath(domain.CertificateFileName);
        var local = await CertificateFile.ReadAsync(path, ct);
        var (leaf, _) = local is null ? (null, null) : CertificateFile.Check(local, key, Identifiers);
        if (leaf is null)
        {
            var (client, account) = await context.Session.OpenAsync(ct);
            CertificateChain chain;
            try
            {
                chain = await client.DownloadCertificateAsync(account, certificateUrl, ct);
            }
            catch (AcmeProblemException e) when (AcmeSession.IsNotFound(e))
            {
                Log.Info($"{Name}: certificate {certificateUrl} was not found; ordering a new one");
                await Document.RemoveAsync(Name, "certificate_id", ct);
                return false;
            }
            (leaf, var problem) = CertificateFile.Check(chain.Pem, key, Identifiers);
            if (leaf is null)
            {
                Log.Warning($"{Name}: certificate {certificateUrl} {problem}; ordering a new one");
                await Document.RemoveAsync(Name, "certificate_id", ct);
                return false;
            }
            await WriteIfChangedAsync(chain.Pem, ct);
        }
        using (leaf)
        {
            var decision = RenewalDecision.Decide(leaf.NotBefore.ToUniversalTime(), leaf.NotAfter.ToUniversalTime(),
                context.Time.GetUtcNow(), context.Settings.RenewalDays);
            if (!decision.Renew)
            {
                Log.Debug($"{Name}: {decision.Reason}");
                return true;
            }
            Log.Info($"{Name}: certificate {decision.Reason}");
            await Document.RemoveAsync(Name, "certificate_id", ct);
            return false;
        }
    }

    private async Task WriteIfChangedAsync(string pem, CancellationToken ct)
    {
        var path = Document.ResolvePath(domain.CertificateFileName);
        if (await CertificateFile.ReadAsync(path, ct) == pem) return;
        await CertificateFile.WriteAsync(path, pem, ct);
        Log.Info($"{Name}: updating certificate {domain.CertificateFileName}");
    }

    private Uri ParseUrl(string value, string field) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url)
            ? url
            : throw new DomainFailure($"{Name}: \"{field}\" in shaman.json is not a URL: \"{value}\"");
}

/// <summary>One domain failed; the message names it and says what to do. Other domains go on.</summary>
public sealed class DomainFailure(string message) : Exception(message);
