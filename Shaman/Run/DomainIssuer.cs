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
    /// <summary>Not carried forward: the run stopped asking the CA (<see cref="RunFailure"/>), which is reported once,
    /// or its run-level backoff held every order back.</summary>
    NotTried,
    /// <summary>Its own backoff held ordering back (a pending deploy of the certificate on disk still ran).</summary>
    BackingOff,
    /// <summary>It failed, and its next order backs off.</summary>
    Failed,
    /// <summary>The certificate is in place, but its deploy program or `verify` check failed: a failed domain that
    /// does not back off.</summary>
    DeployFailed,
}

/// <summary>Executes what <see cref="DomainDecision"/> decides, one step at a time, until the domain has a current
/// certificate on disk (deployed) or is held back: every state change is persisted before the next request, so a
/// crash resumes where it stopped. It decides nothing itself.</summary>
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

    /// <summary>The verdict of a run that found the certificate current and changed nothing; null otherwise (then the
    /// files may have changed since any verdict). Metrics reuse it instead of reading every key and certificate again.</summary>
    public RenewalVerdict? CurrentOnDiskVerdict { get; private set; }

    private ShamanLog Log => _context.Log;
    private string Name => _domain.Name;
    private DateTimeOffset Now => _context.Time.GetUtcNow();
    private string CertificatePath => _context.Document.ResolvePath(_domain.CertificateFileName);

    public async Task<DomainOutcome> RunAsync(DecisionOptions options, CancellationToken ct)
    {
        options = options with { HasDeployProgram = _domain.Effective.Deploy is not null, HasVerify = _domain.Effective.Verify.Count > 0 };
        try
        {
            return await ExecuteAsync(options, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException && !Progress.Deploying && _deployer.HasPendingWork)
        {
            // A failed renewal must not keep the certificate already on disk out of service.
            await DeployDespiteAsync(ct);
            throw;
        }
    }

    private async Task<DomainOutcome> ExecuteAsync(DecisionOptions options, CancellationToken ct)
    {
        var issued = false;
        var accountReplaced = false;
        AcmeResource<Order>? fresh = null;
        ECDsa? key = null;
        try
        {
            // The key is adopted (or made) before the certificate is judged: a certificate is only as good as its key.
            if (_state.KeyFile is null) key = await _context.Keys.DomainKeyAsync(_domain, ct);
            for (var count = 0; count < MaxSteps; count++)
            {
                var keyInfo = await DomainFiles.ReadKeyPublicInfoAsync(_context.Document.ResolvePath(_state.KeyFile!), ct);
                var verdict = await EvaluateAsync(keyInfo, ct);
                var step = DomainDecision.Decide(_state.Snapshot(), verdict, Now, options with { IssuedThisRun = issued });
                var generation = _context.Session.AccountGeneration;
                try
                {
                    switch (step.Kind)
                    {
                        case StepKind.Nothing:
                            // Said by the run that judged the certificate (not the no-op, nor the run that just issued it).
                            if (verdict.Timing?.Warning is { } warning && count > 0 && !issued) Log.Warning($"{Name}: {warning}");
                            if (verdict.Timing is { } timing) Log.Debug($"{Name}: {timing.Reason}");
                            if (!issued) CurrentOnDiskVerdict = verdict;
                            await DeployAsync(step, issued, ct);
                            return issued ? DomainOutcome.Issued : DomainOutcome.Current;
                        case StepKind.Wait:
                            if (step.WaitUntil is { } until)
                                Log.Warning($"{Name}: skipped after {step.Reason} until {until:yyyy-MM-dd HH:mm} UTC " +
                                            $"(last error: {DomainState.WithoutName(Name, _state.Failure.LastError ?? "not recorded")}); fix the cause, then run with --force to try now");
                            await DeployAsync(step, issued: false, ct);
                            return step.WaitUntil is null ? DomainOutcome.NotTried : DomainOutcome.BackingOff;
                        case StepKind.AskAri:
                            // The ARI refresh needs the certificate and the CA's directory, not the private key.
                            Progress.Note($"the CA had not answered about the renewal of certificate {_state.CertificateId}");
                            await _renewalInfo.RefreshAsync(verdict.Certificate!, ct);
                            break;
                        case StepKind.FetchCertificate:
                            await FetchCertificateAsync(_state.CertificateUrl!, keyInfo, ct);
                            break;
                        case StepKind.Renew:
                            if (verdict.Timing?.Warning is { } due) Log.Warning($"{Name}: {due}");
                            Log.Info($"{Name}: certificate {step.Reason}");
                            await _state.ForgetCertificateAsync(replaces: verdict.Certificate?.AriCertificateId, ct);
                            options = options with { RenewNow = false };
                            break;
                        case StepKind.NewOrder:
                            if (AuthenticatorAvailability.Problem(_domain, _context.Settings, _context.Programs.Resolve) is { } problem)
                                throw new DomainFailure($"{Name}: no order placed, {problem}");
                            // A key that cannot be loaded fails the domain before the CA is asked for anything.
                            key ??= await _context.Keys.DomainKeyAsync(_domain, ct);
                            fresh = await NewOrderAsync(ct);
                            break;
                        case StepKind.ContinueOrder:
                            key ??= await _context.Keys.DomainKeyAsync(_domain, ct);
                            issued |= await AdvanceOrderAsync(_state.OrderUrl!, fresh, key, key.ExportSubjectPublicKeyInfo(), ct);
                            fresh = null;
                            break;
                    }
                }
                catch (AcmeProblemException e) when (e.Kind == ProblemKind.AccountDoesNotExist && !e.RecordedOnResource && !accountReplaced)
                {
                    accountReplaced = true;
                    fresh = null;
                    await _context.Session.ReplaceLostAccountAsync(generation, ct);
                }
            }
        }
        finally
        {
            key?.Dispose();
        }
        throw new DomainFailure($"{Name}: no certificate after {MaxSteps} steps; the server keeps changing state");
    }

    /// <summary>The one verdict on the files (<see cref="RenewalCheck"/>), read afresh before each step.</summary>
    private async Task<RenewalVerdict> EvaluateAsync(byte[]? keyInfo, CancellationToken ct)
    {
        var (certificate, problem) = await DomainFiles.ReadCertificateAsync(CertificatePath, ct);
        return Check(certificate, problem, keyInfo);
    }

    private async Task DeployAsync(DomainStep step, bool issued, CancellationToken ct)
    {
        if (!step.Deploy && !issued) return;
        Progress.NoteDeploying();
        await _deployer.DeployIfPendingAsync(ct);
    }

    /// <summary>The ordering failure stays the domain's result; a deploy failure beside it is only logged (the state
    /// records it for --status, the metrics and notify).</summary>
    private async Task DeployDespiteAsync(CancellationToken ct)
    {
        try
        {
            Progress.NoteDeploying();
            await _deployer.DeployIfPendingAsync(ct);
        }
        catch (DeployFailure e)
        {
            Log.Error(e.Message);
        }
    }

    private RenewalVerdict Check(CertificateFacts? certificate, string? problem, byte[]? keyInfo) =>
        RenewalCheck.Evaluate(certificate, problem, keyInfo, _domain.Identifiers, _context.Settings.RenewalDays, _state.RenewalInfo, Now);

    private async Task<AcmeResource<Order>> NewOrderAsync(CancellationToken ct)
    {
        Progress.Note("the CA had not answered the request for a new order");
        var (client, account) = await _context.Session.OpenAsync(ct);
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

    /// <summary>The file is missing or unusable: the CA's copy replaces it when it is good; when it is gone or has
    /// the same problem, certificate_id is dropped, so that a new certificate is ordered.</summary>
    private async Task FetchCertificateAsync(Uri certificateUrl, byte[]? keyInfo, CancellationToken ct)
    {
        Progress.Note($"the CA had not answered about certificate {certificateUrl}");
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
            return;
        }
        var (fetched, fetchedProblem) = CertificateFacts.Read(chain.Pem);
        var verdict = Check(fetched, fetchedProblem, keyInfo);
        if (verdict.Standing == CertificateStanding.Unusable)
        {
            Log.Warning($"{Name}: certificate {certificateUrl} {verdict.Problem}; ordering a new one");
            await _state.ForgetCertificateAsync(replaces: null, ct);
            return;
        }
        await _deployer.WriteIfChangedAsync(chain.Pem, ct);
    }
}
