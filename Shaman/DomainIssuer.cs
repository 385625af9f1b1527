using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Concorde.Acme;
using Concorde.Acme.Crypto;
using Concorde.Acme.Keys;
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
    /// <summary>How soon to ask for renewal information again when the CA did not say (RFC 9773 §4.3 leaves
    /// it to the client; a few times a day keeps up with a window the CA moves, e.g. after an incident).</summary>
    private static readonly TimeSpan DefaultAriRecheck = TimeSpan.FromHours(6);
    private static readonly TimeSpan AriRecheckAfterError = TimeSpan.FromHours(1);
    /// <summary>A CA without ARI (or a certificate without an ARI identifier) is asked again daily: the CA may
    /// start offering it, and until then later runs decide from the files alone.</summary>
    private static readonly TimeSpan WithoutAriRecheck = TimeSpan.FromDays(1);
    /// <summary>RFC 9773 §4.3.2: "Clients SHOULD set reasonable limits on their checking interval. For example, ...
    /// values over one day could be treated as if they were one day."</summary>
    private static readonly TimeSpan LongestAriRecheck = TimeSpan.FromDays(1);

    private readonly DomainState _state = new(context.Document, domain.Name);

    private ProfileDocument Document => context.Document;
    private ShamanLog Log => context.Log;
    private string Name => domain.Name;
    private IReadOnlyList<Identifier> Identifiers => domain.Identifiers;
    private DateTimeOffset Now => context.Time.GetUtcNow();

    public DomainState State => _state;

    public async Task<DomainOutcome> RunAsync(CancellationToken ct)
    {
        if (await IsCurrentOnDiskAsync(ct))
        {
            await DeployIfPendingAsync(ct);
            return DomainOutcome.Current;
        }
        using var key = await context.Keys.DomainKeyAsync(domain, ct);
        var outcome = await ReachCertificateAsync(key, ct);
        await DeployIfPendingAsync(ct);
        return outcome;
    }

    private async Task<DomainOutcome> ReachCertificateAsync(ECDsa key, CancellationToken ct)
    {
        var issued = false;
        var accountReplaced = false;
        AcmeResource<Order>? fresh = null;
        for (var step = 0; step < MaxSteps; step++)
        {
            var generation = context.Session.AccountGeneration;
            try
            {
                if (_state.OrderId is { } orderId)
                {
                    issued |= await AdvanceOrderAsync(ParseUrl(orderId, "order_id"), fresh, key, ct);
                    fresh = null;
                }
                else if (_state.CertificateId is { } certificateId)
                {
                    // A certificate issued in this run is not reconsidered: a renewal window longer than the
                    // lifetime would otherwise order certificates without end.
                    if (issued) return DomainOutcome.Issued;
                    if (await IsCertificateCurrentAsync(ParseUrl(certificateId, "certificate_id"), key, ct))
                        return DomainOutcome.Current;
                }
                else
                {
                    fresh = await NewOrderAsync(ct);
                }
            }
            catch (AcmeProblemException e) when (e.Kind == ProblemKind.AccountDoesNotExist && !e.RecordedOnResource && !accountReplaced)
            {
                accountReplaced = true;
                fresh = null;
                await context.Session.ReplaceLostAccountAsync(generation, ct);
            }
        }
        throw new DomainFailure($"{Name}: no certificate after {MaxSteps} steps; the server keeps changing state");
    }

    /// <summary>The usual cron case decided from the files alone, without loading the private key or asking
    /// anyone: a recorded certificate whose file belongs to the domain's key, names every identifier and is
    /// not due. Everything else — no certificate yet, an order in progress, a file that does not match, an
    /// ARI refresh that is due or never made — takes the full path, which checks the same things the slow way.</summary>
    private async Task<bool> IsCurrentOnDiskAsync(CancellationToken ct)
    {
        if (_state.OrderId is not null || _state.CertificateId is null || Document.Get(Name, "key") is not { } keyFile) return false;
        var keyPem = await KeyFile.TryReadPemAsync(Document.ResolvePath(keyFile), ct);
        var certificatePem = await CertificateFile.ReadAsync(Document.ResolvePath(domain.CertificateFileName), ct);
        if (keyPem is null || certificatePem is null || CertificateChain.Problem(certificatePem, parseCertificates: false) is not null)
            return false;
        var publicKey = KeyFile.TryReadPublicKeyInfo(keyPem);
        var certificate = CertificateSummary.TryParse(certificatePem);
        if (publicKey is null || certificate is null || !publicKey.AsSpan().SequenceEqual(certificate.SubjectPublicKeyInfo)
            || !certificate.Covers(Identifiers))
            return false;
        var renewalInfo = _state.RenewalInfo;
        if (_state.IsRenewalInfoDue(certificate.NotAfter, Now)) return false;
        var decision = RenewalDecision.Decide(certificate.NotBefore, certificate.NotAfter, Now, context.Settings.RenewalDays,
            renewalInfo?.Schedule);
        if (decision.Renew) return false;
        Log.Debug($"{Name}: {decision.Reason}");
        return true;
    }

    // ---- no order yet -----------------------------------------------------------------------------------------

    private async Task<AcmeResource<Order>> NewOrderAsync(CancellationToken ct)
    {
        var (client, account) = await context.Session.OpenAsync(ct);
        var profile = domain.Profile ?? context.Settings.Profile;
        if (profile is not null) CheckProfile(client, profile);
        // RFC 9773 §5: `replaces` only where the CA speaks ARI; others may refuse an unknown field.
        var replaces = client.SupportsRenewalInfo ? _state.Replaces : null;
        var request = new NewOrderPayload { Identifiers = Identifiers, Profile = profile, Replaces = replaces };
        AcmeResource<Order> order;
        try
        {
            order = await client.NewOrderAsync(account, request, ct);
        }
        catch (AcmeProblemException e) when (replaces is not null && e.Kind == ProblemKind.AlreadyReplaced)
        {
            Log.Info($"{Name}: the CA says certificate {replaces} was already replaced; ordering without \"replaces\"");
            await Document.RemoveAsync(Name, "replaces", ct);
            order = await client.NewOrderAsync(account, request with { Replaces = null }, ct);
        }
        await Document.SetAsync(Name, "order_id", order.Location.AbsoluteUri, ct);
        Log.Info($"{Name}: created order {order.Location}" + (profile is null ? "" : $" (profile {profile})"));
        return order;
    }

    private void CheckProfile(AcmeClient client, string profile)
    {
        var offered = client.Directory.Meta?.Profiles;
        if (offered is null || offered.Count == 0)
            throw new DomainFailure($"{Name}: profile \"{profile}\" is set, but the CA offers no certificate profiles; remove \"profile\" from shaman.json");
        if (!offered.ContainsKey(profile))
            throw new DomainFailure($"{Name}: the CA offers no profile \"{profile}\"; it offers {string.Join(", ", offered.Keys.Order())}. Fix \"profile\" in shaman.json");
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
        catch (AcmeException e) when (e.IsNotFound)
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
                    // Every authorization is valid, so the order is ready (RFC 8555 §7.1.6): finalize without
                    // reading it again. A server that lags says orderNotReady, and the order is polled instead.
                    try
                    {
                        Log.Info($"{Name}: finalizing order");
                        order = await client.WaitForOrderAsync(account, await client.FinalizeAsync(account, order, key, ct), ct);
                    }
                    catch (AcmeProblemException e) when (e.Kind == ProblemKind.OrderNotReady)
                    {
                        order = await client.WaitForOrderAsync(account, await client.GetOrderAsync(account, orderUrl, ct), ct);
                    }
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
        var chain = await ChooseChainAsync(client, account, await client.DownloadCertificateAsync(account, certificateUrl, ct), ct);
        var (leaf, problem) = CertificateFile.Check(chain.Pem, key, Identifiers);
        if (leaf is null)
            throw new DomainFailure($"{Name}: the server's certificate {certificateUrl} {problem}; not written");
        using (leaf)
        {
            Log.Info($"{Name}: got certificate {certificateUrl}, valid until {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC");
            await WriteIfChangedAsync(chain.Pem, ct);
            var ariId = client.SupportsRenewalInfo ? TryCertificateId(leaf) : null;
            await Document.UpdateDomainAsync(Name, d =>
            {
                d["certificate_id"] = certificateUrl.AbsoluteUri;
                d.Remove("order_id");
                d.Remove("replaces");
                // Without ARI there is nothing to ask, but recording when to look again keeps the next run a
                // no-op that reads files only; it goes with this write rather than a second one.
                if (ariId is null) d["renewalInfo"] = DomainState.RenewalInfoNode(null, Now + WithoutAriRecheck);
                else d.Remove("renewalInfo");
            }, ct);
            if (ariId is not null) await RefreshRenewalInfoAsync(leaf, ct);
        }
        return true;
    }

    /// <summary>With `preferredChain`, the chain whose top certificate is issued by that common name, among the
    /// default and the alternates (RFC 8555 §7.4.2); otherwise, or when none matches, the server's default.</summary>
    private async Task<CertificateChain> ChooseChainAsync(AcmeClient client, AcmeAccountKey account, CertificateChain chain, CancellationToken ct)
    {
        var preferred = domain.PreferredChain ?? context.Settings.PreferredChain;
        if (preferred is null || TopIssuer(chain) == preferred) return chain;
        foreach (var alternate in chain.Alternates)
        {
            var candidate = await client.DownloadCertificateAsync(account, alternate, ct);
            if (TopIssuer(candidate) == preferred)
            {
                Log.Info($"{Name}: using the alternate chain issued by \"{preferred}\"");
                return candidate;
            }
        }
        Log.Warning($"{Name}: no chain offered by the CA ends at an issuer named \"{preferred}\" (preferredChain); using the default chain, issued by \"{TopIssuer(chain)}\"");
        return chain;
    }

    private static string TopIssuer(CertificateChain chain)
    {
        var certificates = chain.Certificates();
        return certificates.Count == 0 ? "" : certificates[^1].GetNameInfo(X509NameType.SimpleName, forIssuer: true);
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
                    Log.Info($"{Name}: authorizing {Describe(authorization.Value)} ({authorizationUrl})");
                    await SatisfyAsync(client, account, authorization, ct);
                    break;
                default:
                    throw new DomainFailure($"{Name}: authorization for {Describe(authorization.Value)} is " +
                                            $"{AcmeStatusConverter.Name(authorization.Value.Status)}; a new order starts on the next run");
            }
        }
    }

    /// <summary>Picks a challenge with an authenticator (the domain's own first, then the profile's), runs it,
    /// tells the server to validate, waits for the verdict, then runs the cleanup program, valid or not.</summary>
    private async Task SatisfyAsync(AcmeClient client, AcmeAccountKey account, AcmeResource<Authorization> authorization, CancellationToken ct)
    {
        var (challenge, program) = ChooseChallenge(authorization.Value);
        var identifier = authorization.Value.Identifier;
        ChallengeRequest? request = null;
        try
        {
            if (challenge.Status == AcmeStatus.Pending)
            {
                var token = challenge.Token ?? throw new DomainFailure($"{Name}: challenge {challenge.Url} has no token");
                var keyAuthorization = KeyAuthorization.For(token, context.Session.AccountKey);
                var isDns = challenge.Type == Challenge.Dns01;
                request = new ChallengeRequest(identifier.Value, identifier.Type, challenge.Type, token, keyAuthorization,
                    isDns ? KeyAuthorization.Dns01RecordName(identifier.Value) : null,
                    isDns ? KeyAuthorization.Dns01TxtValue(keyAuthorization) : null);
                await context.Programs.RunAsync(program, $"{Name}: {challenge.Type} authenticator", request, ct);
                Log.Info($"{Name}: authenticated {Describe(authorization.Value)} with {challenge.Type}");
                await client.RespondToChallengeAsync(account, challenge.Url, ct);
                Log.Info($"{Name}: validating challenge");
            }
            try
            {
                await client.WaitForAuthorizationAsync(account, authorization, ct);
            }
            catch (AcmeProblemException e) when (e.RecordedOnResource)
            {
                throw new DomainFailure($"{Name}: validation of {identifier.Value} with {challenge.Type} failed: {e.Problem}. " +
                                        "Check that the authenticator publishes the response where the CA looks; a new order starts on the next run");
            }
            Log.Info($"{Name}: {identifier.Value} is authorized");
        }
        finally
        {
            if (request is not null) await CleanupAsync(request);
        }
    }

    private async Task CleanupAsync(ChallengeRequest request)
    {
        var program = domain.Cleanup.GetValueOrDefault(request.ChallengeType) ?? context.Settings.Cleanup.GetValueOrDefault(request.ChallengeType);
        if (program is null) return;
        try
        {
            // Cleanup runs even when the run is being cancelled: a published record should not linger.
            await context.Programs.RunAsync(program, $"{Name}: {request.ChallengeType} cleanup", request, CancellationToken.None);
        }
        catch (ProgramFailedException e)
        {
            Log.Warning(e.Message);
        }
    }

    private (Challenge Challenge, string Program) ChooseChallenge(Authorization authorization)
    {
        foreach (var authenticators in new[] { domain.Authenticators, context.Settings.Authenticators })
            foreach (var challenge in authorization.Challenges)
                if (challenge.Status is AcmeStatus.Pending or AcmeStatus.Processing && authenticators.TryGetValue(challenge.Type, out var program))
                    return (challenge, program);
        var offered = string.Join(" or ", authorization.Challenges.Select(c => c.Type));
        throw new DomainFailure($"{Name}: no authenticator for {Describe(authorization)}; the server offers {offered}. " +
                                "Add one to \"authenticators\" in shaman.json");
    }

    private static string Describe(Authorization authorization) =>
        authorization.Wildcard ? "*." + authorization.Identifier.Value : authorization.Identifier.Value;

    // ---- a certificate --------------------------------------------------------------------------------------

    /// <summary>Checks the local file first; the CA is asked only when the file is missing or wrong, or when the
    /// ARI schedule is due for a refresh. Returns false (after dropping certificate_id) when a new certificate
    /// is needed.</summary>
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
            catch (AcmeException e) when (e.IsNotFound)
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
            var notAfter = leaf.NotAfter.ToUniversalTime();
            if (_state.IsRenewalInfoDue(notAfter, Now)) await RefreshRenewalInfoAsync(leaf, ct);
            var decision = RenewalDecision.Decide(leaf.NotBefore.ToUniversalTime(), notAfter, Now,
                context.Settings.RenewalDays, _state.RenewalInfo?.Schedule);
            if (decision.Warning is { } warning) Log.Warning($"{Name}: {warning}");
            if (!decision.Renew)
            {
                Log.Debug($"{Name}: {decision.Reason}");
                return true;
            }
            Log.Info($"{Name}: certificate {decision.Reason}");
            var replaces = TryCertificateId(leaf);
            await Document.UpdateDomainAsync(Name, d =>
            {
                d.Remove("certificate_id");
                if (replaces is not null) d["replaces"] = replaces;
            }, ct);
            return false;
        }
    }

    /// <summary>Asks the CA when to renew (RFC 9773) and records the window, a moment chosen in it and when to
    /// ask again. Optional: a CA without ARI is asked again in a day, and one that cannot be reached (its
    /// directory included) in an hour, leaving the certificate to the recorded window or the fallback rule —
    /// a current certificate never fails for it.</summary>
    private async Task RefreshRenewalInfoAsync(X509Certificate2 leaf, CancellationToken ct)
    {
        var previous = _state.RenewalInfo?.Schedule;
        try
        {
            var client = await context.Session.ClientAsync(ct);
            if (!client.SupportsRenewalInfo || TryCertificateId(leaf) is not { } certificateId)
            {
                await _state.SetRenewalInfoAsync(null, Now + WithoutAriRecheck, ct);
                return;
            }
            var info = await client.GetRenewalInfoAsync(certificateId, ct);
            var window = info.Value.SuggestedWindow;
            var schedule = AriSchedule.Choose(window.Start, window.End, previous, context.Random);
            var recheck = info.RetryAfter is { } retryAfter && retryAfter > TimeSpan.FromMinutes(1)
                ? (retryAfter < LongestAriRecheck ? retryAfter : LongestAriRecheck)
                : DefaultAriRecheck;
            await _state.SetRenewalInfoAsync(schedule, Now + recheck, ct);
            if (schedule != previous)
                Log.Info($"{Name}: the CA suggests renewing between {window.Start:yyyy-MM-dd HH:mm} and {window.End:yyyy-MM-dd HH:mm} UTC; " +
                         $"planned for {schedule.RenewAt:yyyy-MM-dd HH:mm} UTC" +
                         (info.Value.ExplanationUrl is { } why ? $" ({why})" : ""));
        }
        catch (Exception e) when (e is AcmeException or HttpRequestException)
        {
            Log.Warning($"{Name}: renewal information (ARI) unavailable: {e.Message}; asking again in an hour");
            await _state.SetRenewalInfoAsync(previous, Now + AriRecheckAfterError, ct);
        }
    }

    private static string? TryCertificateId(X509Certificate2 leaf)
    {
        try
        {
            return CertificateId.For(leaf);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private async Task WriteIfChangedAsync(string pem, CancellationToken ct)
    {
        var path = Document.ResolvePath(domain.CertificateFileName);
        if (await CertificateFile.ReadAsync(path, ct) == pem) return;
        var verb = File.Exists(path) ? "updating" : "writing";
        // Recorded first: a crash right after the write must still deploy the new file on the next run.
        if (DeployProgram is not null) await _state.SetDeployPendingAsync(true, ct);
        await CertificateFile.WriteAsync(path, pem, ct);
        Log.Info($"{Name}: {verb} certificate {domain.CertificateFileName}");
    }

    private string? DeployProgram => domain.Deploy ?? context.Settings.Deploy;

    /// <summary>The deploy hook runs after the certificate file changed, and on every later run until it
    /// succeeds: a server that failed to reload would otherwise keep serving the old certificate until it
    /// expires. Its failure is reported, but the certificate stays: issuing again would not help.</summary>
    private async Task DeployIfPendingAsync(CancellationToken ct)
    {
        if (!_state.DeployPending) return;
        if (DeployProgram is not { } program)
        {
            await _state.SetDeployPendingAsync(false, ct);
            return;
        }
        var environment = new Dictionary<string, string>
        {
            ["CONCORDE_DOMAIN"] = Name,
            ["CONCORDE_CERT_PATH"] = Document.ResolvePath(domain.CertificateFileName),
            ["CONCORDE_KEY_PATH"] = Document.ResolvePath(Document.Get(Name, "key") ?? domain.KeyFileName),
        };
        try
        {
            await context.Programs.RunAsync(program, $"{Name}: deploy", "", environment, ct);
        }
        catch (ProgramFailedException e)
        {
            throw new DeployFailure($"{e.Message}; the new certificate is in place, and the deploy step runs again on the next run");
        }
        await _state.SetDeployPendingAsync(false, ct);
        Log.Info($"{Name}: deployed with {program}");
    }

    private Uri ParseUrl(string value, string field) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url)
            ? url
            : throw new DomainFailure($"{Name}: \"{field}\" in shaman.json is not a URL: \"{value}\"");
}

/// <summary>One domain failed; the message names it and says what to do. Other domains go on.</summary>
public sealed class DomainFailure(string message) : Exception(message);

/// <summary>The certificate is in place but the deploy hook failed: reported, not retried by re-issuing.</summary>
public sealed class DeployFailure(string message) : Exception(message);
