using System.Net;
using System.Security.Cryptography;
using Concorde.Acme;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;

namespace Concorde.Shaman;

/// <summary>The order steps: a new order (with `replaces` and a certificate profile), then pending → ready → processing →
/// valid, and the certificate's download.</summary>
public sealed partial class DomainIssuer
{
    private async Task<AcmeResource<Order>> NewOrderAsync(CancellationToken ct)
    {
        Progress.Note("the CA had not answered the request for a new order");
        var (client, account) = await _context.Session.OpenAsync(Name, ct);
        var profile = _domain.Effective.CertificateProfile;
        if (profile is not null) CheckProfile(client, profile);
        // RFC 9773 §5: `replaces` only where the CA speaks ARI; others may refuse an unknown field.
        var replaces = client.SupportsRenewalInfo ? _state.Replaces : null;
        var request = new NewOrderPayload { Identifiers = _domain.Identifiers, Profile = profile, Replaces = replaces };
        AcmeResource<Order> order;
        try
        {
            order = await client.NewOrderAsync(account, request, ct);
        }
        catch (AcmeProblemException e) when (replaces is not null && RefusesReplaces(e))
        {
            Log.Info(e.Kind == ProblemKind.AlreadyReplaced
                ? $"{Name}: the CA says certificate {replaces} was already replaced; ordering without \"replaces\""
                : $"{Name}: the CA refused the order that replaces certificate {replaces} ({ServerText.Escape(e.Message)}); ordering once more without \"replaces\"");
            await _state.ForgetReplacesAsync(ct);
            // Not caught again: a CA that refuses this one too fails the domain instead of looping.
            order = await client.NewOrderAsync(account, request with { Replaces = null }, ct);
        }
        await _state.RecordOrderAsync(order.Location, ct);
        Log.Info($"{Name}: created order {order.Location}" + (profile is null ? "" : $" (profile {profile})"));
        return order;
    }

    /// <summary>RFC 9773 §5 names alreadyReplaced; CAs also answer malformed (a certificate they cannot match, as
    /// after a switch of CA) or conflict (an order already placed for it). `replaces` is only a hint, so the renewal
    /// goes on without it; were the refusal about something else, the order without it fails the same way.</summary>
    private static bool RefusesReplaces(AcmeProblemException e) =>
        e.Kind is ProblemKind.AlreadyReplaced or ProblemKind.Malformed or ProblemKind.Conflict || e.HttpStatus == HttpStatusCode.Conflict;

    private void CheckProfile(AcmeClient client, string profile)
    {
        var offered = client.Directory.Meta?.Profiles;
        if (offered is null || offered.Count == 0)
            throw new DomainFailure($"{Name}: profile \"{profile}\" is set, but the CA offers no certificate profiles; remove \"profile\" from shaman.json");
        if (!offered.ContainsKey(profile))
            throw new DomainFailure($"{Name}: the CA offers no profile \"{profile}\"; it offers {string.Join(", ", offered.Keys.Order())}. Fix \"profile\" in shaman.json");
    }

    /// <summary>Drives the recorded order to a certificate. Returns true when one was issued and written;
    /// false when the order is gone or dead and was dropped, so the caller starts a new one.</summary>
    private async Task<bool> AdvanceOrderAsync(Uri orderUrl, AcmeResource<Order>? fresh, ECDsa key, byte[] keyInfo, CancellationToken ct)
    {
        Progress.Note($"the CA had not answered a request for order {orderUrl}");
        var (client, account) = await _context.Session.OpenAsync(Name, ct);
        AcmeResource<Order> order;
        try
        {
            order = fresh ?? await client.GetOrderAsync(account, orderUrl, ct);
        }
        catch (AcmeException e) when (e.IsNotFound)
        {
            Log.Info($"{Name}: order {orderUrl} was not found; starting a new one");
            await _state.ForgetOrderAsync(ct);
            return false;
        }

        if (!Identifier.SameSet(order.Value.Identifiers, _domain.Identifiers))
        {
            var named = string.Join(", ", order.Value.Identifiers.Select(i => ServerText.Escape(i.Value)));
            // A new order that names anything else is the CA's doing: nothing of it is answered or signed.
            if (fresh is not null)
                throw new DomainFailure($"{Name}: the CA's new order {orderUrl} is for {named}, not the names requested; " +
                                        "refused before answering any challenge");
            Log.Info($"{Name}: order {orderUrl} is for {named}, not the configured names; starting a new one");
            await _state.ForgetOrderAsync(ct);
            return false;
        }

        for (var transition = 0; ; transition++)
        {
            if (transition == MaxOrderTransitions)
            {
                await _state.ForgetOrderAsync(ct);
                throw new DomainFailure($"{Name}: order {orderUrl} is still {AcmeStatusConverter.Name(order.Value.Status)} after " +
                                        $"{MaxOrderTransitions} steps; the CA does not move it forward. A new order starts on the next run");
            }
            switch (order.Value.Status)
            {
                case AcmeStatus.Pending:
                    Progress.Note($"the authorizations of order {orderUrl} were not valid yet (an authenticator running, or the CA validating)");
                    try
                    {
                        await _challenges.AuthorizeAsync(client, account, order.Value, ct);
                    }
                    catch (DeadAuthorizationFailure)
                    {
                        await _state.ForgetOrderAsync(ct);
                        throw;
                    }
                    // Every authorization is valid, so the order is ready (RFC 8555 §7.1.6): finalize without reading
                    // it again (FinalizeAsync waits out a server that lags behind).
                    goto case AcmeStatus.Ready;
                case AcmeStatus.Ready:
                    Log.Info($"{Name}: finalizing order");
                    // The CSR names exactly what the profile asks for, whatever the order says.
                    var request = order with { Value = order.Value with { Identifiers = _domain.Identifiers } };
                    Progress.Note($"the CA had not answered the finalize request of order {orderUrl}");
                    order = await client.FinalizeAsync(account, request, key, ct);
                    NoteWaitingFor(order);
                    order = await client.WaitForOrderAsync(account, order, ct);
                    break;
                case AcmeStatus.Processing:
                    NoteWaitingFor(order);
                    order = await client.WaitForOrderAsync(account, order, ct);
                    break;
                case AcmeStatus.Valid:
                    await DownloadAsync(client, account, order, keyInfo, ct);
                    return true;
                default:
                    var why = order.Value.Error is { } error ? $": {error}" : "";
                    Log.Info($"{Name}: order {orderUrl} is {AcmeStatusConverter.Name(order.Value.Status)}{why}; starting a new one");
                    await _state.ForgetOrderAsync(ct);
                    return false;
            }
        }
    }

    private void NoteWaitingFor(AcmeResource<Order> order) =>
        Progress.Note($"order {order.Location} was still {AcmeStatusConverter.Name(order.Value.Status)} at the CA");

    private async Task DownloadAsync(AcmeClient client, AcmeAccountKey account, AcmeResource<Order> order, byte[] keyInfo, CancellationToken ct)
    {
        if (order.Value.Certificate is not { } certificateUrl)
            throw new DomainFailure($"{Name}: order {order.Location} is valid but names no certificate");
        Progress.Note($"the CA had not sent certificate {certificateUrl}");
        var chain = await _chains.ChooseAsync(client, account, await client.DownloadCertificateAsync(account, certificateUrl, ct), ct);
        var (certificate, problem) = CertificateFacts.Read(chain.Pem);
        problem ??= RenewalCheck.Mismatch(certificate!, keyInfo, _domain.Identifiers);
        if (certificate is null || problem is not null)
            throw new DomainFailure($"{Name}: the server's certificate {certificateUrl} {problem}; not written");
        Log.Info($"{Name}: got certificate {certificateUrl}, valid until {certificate.NotAfter:yyyy-MM-dd HH:mm} UTC");
        _issuedCertificate = certificate;
        await _deployer.WriteIfChangedAsync(chain.Pem, ct);
        var ariId = client.SupportsRenewalInfo ? certificate.AriCertificateId : null;
        // Without ARI there is nothing to ask, but recording when to look again keeps the next run a no-op that reads
        // files only; it goes with this write rather than a second one.
        await _state.RecordCertificateAsync(certificateUrl, ariId is null ? new RenewalInfoRecord(null, Now + AriRecheck.WithoutAri) : null, ct);
        if (ariId is not null) await _renewalInfo.RefreshAsync(certificate, ct);
    }
}
