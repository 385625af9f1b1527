using System.Globalization;
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
    /// <summary>Not started: the run had reached its "runTimeout" (<see cref="RunDeadline"/>); reported once by the run,
    /// no backoff.</summary>
    NotStarted,
}

/// <summary>Executes what <see cref="DomainDecision"/> decides, one step at a time, until the domain has a current
/// certificate on disk (deployed) or is held back: every state change is persisted before the next request, so a
/// crash resumes where it stopped. It decides nothing itself.</summary>
public sealed partial class DomainIssuer
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

    /// <summary>The last step decided for this domain in this run; null before the first.</summary>
    public DomainStep? LastStep { get; private set; }

    /// <summary>The certificate this run issued and wrote, as checked before it was written.</summary>
    private CertificateFacts? _issuedCertificate;

    private ShamanLog Log => _context.Log;
    private string Name => _domain.Name;
    private DateTimeOffset Now => _context.Time.GetUtcNow();
    /// <summary>Names the files set aside now (an old key, a revoked certificate).</summary>
    private string Stamp => Now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
    private string CertificatePath => _context.Document.ResolvePath(_domain.CertificateFileName);

    /// <param name="request">What the administrator asked for this domain on the command line, done first; null: nothing.</param>
    public async Task<DomainOutcome> RunAsync(DomainRequest? request, DecisionOptions options, CancellationToken ct)
    {
        options = options with { HasDeployProgram = _domain.Effective.Deploy is not null, HasVerify = _domain.Effective.Verify.Count > 0 };
        try
        {
            if (request is not null) await CarryOutAsync(request, ct);
            return await ExecuteAsync(options, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException && !Progress.Deploying && LastStep?.Deploy == true)
        {
            // A failed renewal must not keep the certificate already on disk out of service: the decision that led
            // to it said whether that certificate owes a deploy.
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
        byte[]? keyInfo = null;
        try
        {
            // The key is adopted (or made) before the certificate is judged: a certificate is only as good as its key.
            if (_state.KeyFile is null) key = await _context.Keys.AdoptOrCreateDomainKeyAsync(_domain, ct);
            for (var count = 0; count < MaxSteps; count++)
            {
                // The key file changes only by ReplaceKey (which forgets what was read), the certificate file only by
                // this run's own writes, and one it just issued and checked need not be read and parsed again.
                keyInfo ??= await DomainFiles.ReadKeyPublicInfoAsync(_context.Document.ResolvePath(_state.KeyFile!), ct);
                var verdict = _issuedCertificate is { } written ? Check(written, null, keyInfo) : await EvaluateAsync(keyInfo, ct);
                var step = DomainDecision.Decide(_state.Snapshot(), verdict, Now, options with { IssuedThisRun = issued });
                LastStep = step;
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
                            Progress.Note($"the CA had not answered about the renewal of certificate {_state.CertificateId ?? verdict.Certificate!.AriCertificateId}");
                            // An adopted certificate is asked about before anything else is done with it, once.
                            if (_state.CertificateId is null && _state.RenewalInfo is null)
                                Log.Info($"{Name}: adopted the certificate {_domain.CertificateFileName} (valid until {verdict.Certificate!.NotAfter:yyyy-MM-dd HH:mm} UTC), " +
                                         "which shaman.json did not record; it is used until its renewal time");
                            await _renewalInfo.RefreshAsync(verdict.Certificate!, ct);
                            break;
                        case StepKind.FetchCertificate:
                            await FetchCertificateAsync(_state.CertificateUrl!, keyInfo, ct);
                            break;
                        case StepKind.Renew:
                            if (verdict.Timing?.Warning is { } due) Log.Warning($"{Name}: {due}");
                            Log.Info($"{Name}: certificate {step.Reason}");
                            await _state.ForgetCertificateAsync(replaces: verdict.Certificate?.AriCertificateId, ct);
                            break;
                        case StepKind.ReplaceKey:
                            Log.Warning($"{Name}: the key {_state.KeyFile} is {verdict.KeyKind}, which concorde does not order with; " +
                                        "a new P-384 key replaces it (its certificate served until now)");
                            await _context.Keys.ReplaceDomainKeyAsync(_domain, Stamp, ct);
                            keyInfo = null;
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

    /// <summary>The file is missing or unusable: the CA's copy replaces it when it is good; when it is gone or has
    /// the same problem, certificate_id is dropped, so that a new certificate is ordered.</summary>
    private async Task FetchCertificateAsync(Uri certificateUrl, byte[]? keyInfo, CancellationToken ct)
    {
        Progress.Note($"the CA had not answered about certificate {certificateUrl}");
        var (client, account) = await _context.Session.OpenAsync(Name, ct);
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
