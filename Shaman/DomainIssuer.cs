using System.Net;
using System.Security.Cryptography;
using Concorde.Acme;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;

namespace Concorde.Shaman;

/// <summary>How a domain ended a run.</summary>
public enum DomainOutcome
{
    Current,
    Issued,
    /// <summary>Not carried forward: the run stopped asking the CA (<see cref="RunFailure"/>), which is reported once.</summary>
    NotTried,
    /// <summary>The certificate is in place, but its deploy program or `verify` check failed: a failed domain that
    /// does not back off.</summary>
    DeployFailed,
    /// <summary>Not started: the run had reached its "runTimeout" (<see cref="RunDeadline"/>); reported once by the run,
    /// no backoff.</summary>
    NotStarted,
}

/// <summary>Carries one domain from wherever its recorded state says it is (no order, an order in any state,
/// a certificate) to a current certificate on disk, persisting each state change before the next request.</summary>
public sealed class DomainIssuer
{
    /// <summary>Each step moves the state forward; more steps than this would mean a server that loops.</summary>
    private const int MaxSteps = 10;
    /// <summary>An order needs at most pending → ready → processing → valid; a server that keeps answering otherwise
    /// (e.g. "ready" after every finalize) is not followed for ever.</summary>
    private const int MaxOrderTransitions = 6;

    private readonly DomainSettings _domain;
    private readonly ShamanContext _context;
    private readonly DomainState _state;
    private readonly ChallengeSolver _challenges;
    private readonly CertificateDeployer _deployer;
    private readonly RenewalInfoRefresher _renewalInfo;
    private readonly PreferredChain _chains;

    public DomainIssuer(DomainSettings domain, ShamanContext context)
    {
        _domain = domain;
        _context = context;
        _state = new DomainState(context.Document, domain.Name);
        _challenges = new ChallengeSolver(domain, context);
        _deployer = new CertificateDeployer(domain, context, _state);
        _renewalInfo = new RenewalInfoRefresher(domain, context, _state);
        _chains = new PreferredChain(domain, context);
    }

    public DomainState State => _state;

    /// <summary>What the work waits for at the CA now; read when the domain's deadline ran out.</summary>
    public DomainProgress Progress { get; } = new();

    /// <summary>The verdict of a run that found the certificate current from the files alone; null when the run
    /// took the full path (then the files may have changed since any verdict). Metrics reuse it instead of reading
    /// every key and certificate a second time.</summary>
    public RenewalVerdict? CurrentOnDiskVerdict { get; private set; }

    private ShamanLog Log => _context.Log;
    private string Name => _domain.Name;
    private DateTimeOffset Now => _context.Time.GetUtcNow();
    private string CertificatePath => _context.Document.ResolvePath(_domain.CertificateFileName);

    public async Task<DomainOutcome> RunAsync(CancellationToken ct)
    {
        if (await IsCurrentOnDiskAsync(ct))
        {
            Progress.NoteDeploying();
            await _deployer.DeployIfPendingAsync(ct);
            return DomainOutcome.Current;
        }
        DomainOutcome outcome;
        try
        {
            using var key = await _context.Keys.DomainKeyAsync(_domain, ct);
            outcome = await ReachCertificateAsync(key, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException && _deployer.HasPendingWork)
        {
            // A failed renewal must not keep the certificate already on disk out of service.
            await DeployDespiteAsync(ct);
            throw;
        }
        Progress.NoteDeploying();
        await _deployer.DeployIfPendingAsync(ct);
        return outcome;
    }

    /// <summary>Deploys (and checks) the certificate on disk while ordering is held back by a backoff.</summary>
    public async Task DeployPendingAsync(CancellationToken ct)
    {
        if (!_deployer.HasPendingWork) return;
        Progress.NoteDeploying();
        await _deployer.DeployIfPendingAsync(ct);
    }

    /// <summary>The ordering failure stays the domain's result; a deploy failure beside it is only logged (the state
    /// records it for --status, the metrics and notify).</summary>
    private async Task DeployDespiteAsync(CancellationToken ct)
    {
        try
        {
            await DeployPendingAsync(ct);
        }
        catch (DeployFailure e)
        {
            Log.Error(e.Message);
        }
    }

    private async Task<DomainOutcome> ReachCertificateAsync(ECDsa key, CancellationToken ct)
    {
        var keyInfo = key.ExportSubjectPublicKeyInfo();
        var issued = false;
        var accountReplaced = false;
        AcmeResource<Order>? fresh = null;
        for (var step = 0; step < MaxSteps; step++)
        {
            var generation = _context.Session.AccountGeneration;
            try
            {
                if (_state.OrderUrl is { } orderUrl)
                {
                    issued |= await AdvanceOrderAsync(orderUrl, fresh, key, keyInfo, ct);
                    fresh = null;
                }
                else if (_state.CertificateUrl is { } certificateUrl)
                {
                    // A certificate issued in this run is not reconsidered: a renewal window longer than the
                    // lifetime would otherwise order certificates without end.
                    if (issued) return DomainOutcome.Issued;
                    if (await IsCertificateCurrentAsync(certificateUrl, keyInfo, ct))
                        return DomainOutcome.Current;
                }
                else
                {
                    if (AuthenticatorAvailability.Problem(_domain, _context.Settings, _context.Programs.Resolve) is { } problem)
                        throw new DomainFailure($"{Name}: no order placed, {problem}");
                    fresh = await NewOrderAsync(ct);
                }
            }
            catch (AcmeProblemException e) when (e.Kind == ProblemKind.AccountDoesNotExist && !e.RecordedOnResource && !accountReplaced)
            {
                accountReplaced = true;
                fresh = null;
                await _context.Session.ReplaceLostAccountAsync(generation, ct);
            }
        }
        throw new DomainFailure($"{Name}: no certificate after {MaxSteps} steps; the server keeps changing state");
    }

    /// <summary>The usual cron case decided from the files alone, without loading the private key or asking anyone
    /// but, when it is due, the CA's renewal information. Everything else — no certificate yet, an order in progress,
    /// a file that does not match, a certificate due — takes the full path.</summary>
    private async Task<bool> IsCurrentOnDiskAsync(CancellationToken ct)
    {
        if (_state.OrderId is not null || _state.CertificateId is null || _state.KeyFile is not { } keyFile) return false;
        var (certificate, problem) = await DomainFiles.ReadCertificateAsync(CertificatePath, ct);
        if (certificate is null) return false;
        var keyInfo = await DomainFiles.ReadKeyPublicInfoAsync(_context.Document.ResolvePath(keyFile), ct);
        var verdict = Check(certificate, problem, keyInfo);
        if (verdict.Standing != CertificateStanding.Unusable && verdict.AskCa)
        {
            // The ARI refresh needs the certificate and the CA's directory, not the private key: a CA without ARI is
            // asked once a day for every domain, and loading every key for it made that run cost seconds (issue 14).
            await _renewalInfo.RefreshAsync(certificate, ct);
            verdict = Check(certificate, problem, keyInfo);
            if (verdict.IsCurrentWithoutAsking && verdict.Timing!.Warning is { } warning) Log.Warning($"{Name}: {warning}");
        }
        if (!verdict.IsCurrentWithoutAsking) return false;
        Log.Debug($"{Name}: {verdict.Timing!.Reason}");
        CurrentOnDiskVerdict = verdict;
        return true;
    }

    private RenewalVerdict Check(CertificateFacts? certificate, string? problem, byte[]? keyInfo) =>
        RenewalCheck.Evaluate(certificate, problem, keyInfo, _domain.Identifiers, _context.Settings.RenewalDays, _state.RenewalInfo, Now);

    private async Task<AcmeResource<Order>> NewOrderAsync(CancellationToken ct)
    {
        Progress.Note("the CA had not answered the request for a new order");
        var (client, account) = await _context.Session.OpenAsync(ct);
        var profile = _domain.Profile ?? _context.Settings.Profile;
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
        var (client, account) = await _context.Session.OpenAsync(ct);
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
        await _deployer.WriteIfChangedAsync(chain.Pem, ct);
        var ariId = client.SupportsRenewalInfo ? certificate.AriCertificateId : null;
        // Without ARI there is nothing to ask, but recording when to look again keeps the next run a no-op that reads
        // files only; it goes with this write rather than a second one.
        await _state.RecordCertificateAsync(certificateUrl, ariId is null ? new RenewalInfoRecord(null, Now + AriRecheck.WithoutAri) : null, ct);
        if (ariId is not null) await _renewalInfo.RefreshAsync(certificate, ct);
    }

    /// <summary>Checks the local file first; the CA is asked only when the file is missing or wrong, or when the
    /// ARI schedule is due for a refresh. Returns false (after dropping certificate_id) when a new certificate
    /// is needed.</summary>
    private async Task<bool> IsCertificateCurrentAsync(Uri certificateUrl, byte[] keyInfo, CancellationToken ct)
    {
        var (local, localProblem) = await DomainFiles.ReadCertificateAsync(CertificatePath, ct);
        var verdict = Check(local, localProblem, keyInfo);
        Progress.Note($"the CA had not answered about certificate {certificateUrl}");
        if (verdict.Standing == CertificateStanding.Unusable)
        {
            var (client, account) = await _context.Session.OpenAsync(ct);
            CertificateChain chain;
            try
            {
                chain = await client.DownloadCertificateAsync(account, certificateUrl, ct);
            }
            catch (AcmeException e) when (e.IsNotFound)
            {
                Log.Info($"{Name}: certificate {certificateUrl} was not found; ordering a new one");
                await _state.ForgetCertificateAsync(replaces: null, ct);
                return false;
            }
            var (fetched, fetchedProblem) = CertificateFacts.Read(chain.Pem);
            verdict = Check(fetched, fetchedProblem, keyInfo);
            if (verdict.Standing == CertificateStanding.Unusable)
            {
                Log.Warning($"{Name}: certificate {certificateUrl} {verdict.Problem}; ordering a new one");
                await _state.ForgetCertificateAsync(replaces: null, ct);
                return false;
            }
            await _deployer.WriteIfChangedAsync(chain.Pem, ct);
        }
        var certificate = verdict.Certificate!;
        if (verdict.AskCa)
        {
            await _renewalInfo.RefreshAsync(certificate, ct);
            verdict = Check(certificate, null, keyInfo);
        }
        var timing = verdict.Timing!;
        if (timing.Warning is { } warning) Log.Warning($"{Name}: {warning}");
        if (!timing.Renew)
        {
            Log.Debug($"{Name}: {timing.Reason}");
            return true;
        }
        Log.Info($"{Name}: certificate {timing.Reason}");
        await _state.ForgetCertificateAsync(replaces: certificate.AriCertificateId, ct);
        return false;
    }

}
