using System.Collections.Concurrent;
using Concorde.Acme;
using Concorde.Acme.Http;

namespace Concorde.Shaman;

/// <summary>One run over a locked profile: every domain carried forward (in parallel up to "parallel"), then the
/// run-level failure record, notify and the metrics file.</summary>
public static class ProfileRun
{
    /// <summary>Runs the profile, then writes the metrics file whatever happened (failure and interruption
    /// included), so monitoring sees every run.</summary>
    public static async Task<int> RunAsync(ShamanOptions options, ShamanEnvironment environment, ProfileDocument document, ProfileSettings settings,
        AcmeClientOptions? clientOptions, HttpClient? testHttp, CancellationToken ct)
    {
        var currentVerdicts = new ConcurrentDictionary<string, RenewalVerdict>(StringComparer.Ordinal);
        if (settings.Metrics is null)
            return await RunProfileAsync(options, environment, document, settings, clientOptions, testHttp, currentVerdicts, ct);
        var started = environment.Time.GetUtcNow();
        var exit = ShamanExitCodes.Failure;
        var written = true;
        try
        {
            exit = await RunProfileAsync(options, environment, document, settings, clientOptions, testHttp, currentVerdicts, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            exit = ShamanExitCodes.Interrupted;
            throw;
        }
        finally
        {
            written = await MetricsFile.WriteAsync(environment, document, settings, currentVerdicts, started, exit);
        }
        return written ? exit : ShamanExitCodes.Failure;
    }

    private static async Task<int> RunProfileAsync(ShamanOptions options, ShamanEnvironment environment, ProfileDocument document,
        ProfileSettings settings, AcmeClientOptions? clientOptions, HttpClient? testHttp,
        ConcurrentDictionary<string, RenewalVerdict> currentVerdicts, CancellationToken ct)
    {
        var directory = document.Directory;
        using var syslog = new SyslogSender(options.SyslogSocket, "shaman", environment.Time);
        var log = new ShamanLog(environment.Out, syslog, (LogLevel)settings.LogThreshold, options.Quiet);
        log.Debug($"profile {directory}");
        var programs = new ProgramRunner(directory, environment.ProgramSearchPath, settings.AuthenticatorTimeout, log);
        var notifier = new FailureNotifier(settings.Notify, settings.Environment, directory, new ProfileState(document), programs, log, environment.Time);
        try
        {
            ProfileHygiene.Check(document, settings, log, environment.Time.GetUtcNow());
            ProfileWarnings.Warn(document.Root, settings, log);
            MetricsFile.WarnIfOthersCanWrite(document, settings, log);
            await ServerChange.ApplyAsync(new ProfileState(document), settings, log, ct);
            var bundle = settings.CaBundle ?? environment.CaBundleFromEnvironment;
            // The HTTP client (and with it the TLS library and the CA bundle) is made only when a domain
            // needs the CA. Program.cs already pointed OpenSSL's default store at the bundle (ProfileCaBundle).
            HttpClient CreateHttp() => testHttp ?? AcmeHttpClientFactory.Create(environment.Version,
                bundle is null ? null : AcmeHttpClientFactory.LoadTrustedRoots(document.ResolvePath(bundle)));
            var keys = new KeyStore(document, log);
            using var session = new AcmeSession(CreateHttp, ownsHttp: testHttp is null, settings, document, keys,
                environment.Time, log, clientOptions);
            var runState = new ProfileState(document);
            var runFailure = runState.RunFailure;
            var runHeldBack = !options.Force && !options.Verbs.AsksForEveryDomain && runFailure.HoldsBack(environment.Time.GetUtcNow());
            if (runHeldBack)
                log.Warning($"skipped after {FailureBackoff.Attempts(runFailure.Failures)} until {runFailure.BackoffUntil:yyyy-MM-dd HH:mm} UTC " +
                            $"(last error: {runFailure.LastError ?? "not recorded"}); fix the cause, then run with --force to try now");
            var context = new ShamanContext(settings, document, keys, session, programs, log, environment.Time, environment.Random);
            var decisions = new DecisionOptions(Force: options.Force, RunHeldBack: runHeldBack);

            var domains = settings.Domains.Where(domain => options.Verbs.Runs(domain.Name)).ToList();
            var runDeadline = new RunDeadline(settings.RunTimeout);
            using var slots = new SemaphoreSlim(settings.Parallel);
            DomainOutcome[] results;
            var unsaved = false;
            try
            {
                results = await Task.WhenAll(domains.Select(async domain =>
                {
                    await slots.WaitAsync(ct);
                    try
                    {
                        if (runDeadline.HasExpired) return DomainOutcome.NotStarted;
                        var request = options.Verbs.For(domain.Name);
                        // What the administrator asks for now is not held back by an earlier failure (--force).
                        var domainDecisions = request is null ? decisions : decisions with { Force = true, RunHeldBack = false, RenewNow = true };
                        return await RunDomainAsync(context, domain, request, domainDecisions, currentVerdicts, ct);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }));
            }
            finally
            {
                // A key created by a run that then stopped short (the CA refused, SIGTERM) is named now, so the
                // next run need not adopt it. A failure here must not replace why the run is ending: the next run
                // adopts the key anyway.
                try
                {
                    await document.SaveUnsavedAsync(CancellationToken.None);
                }
                catch (Exception e) when (ExpectedFailure.IsFileProblem(e))
                {
                    log.Error($"cannot save {document.FilePath}: {e.Message}");
                    unsaved = true;
                }
            }
            var runFailed = await FinishRunAsync(runState, session, log, environment.Time, ct) || runHeldBack;
            var failed = results.Count(outcome => outcome is DomainOutcome.Failed or DomainOutcome.BackingOff or DomainOutcome.DeployFailed);
            var issued = results.Count(outcome => outcome == DomainOutcome.Issued);
            var notStarted = domains.Where((_, i) => results[i] == DomainOutcome.NotStarted).Select(domain => domain.Name).ToList();
            var runTimedOut = notStarted.Count > 0 ? runDeadline.Explain(notStarted, domains.Count) : null;
            if (runTimedOut is not null) log.Error(runTimedOut);
            if (failed > 0) log.Error($"{failed} of {domains.Count} domains failed");
            // A threshold above errors (Python's CRITICAL) would make a failing run silent, and cron mails nothing.
            if (failed > 0 && log.Threshold > LogLevel.Error)
                await environment.Error.WriteLineAsync($"shaman: {failed} of {domains.Count} domains failed in {directory} " +
                                                       $"(\"logThreshold\": {(int)log.Threshold} hides the details; lower it to 40 to see them)");
            else if (!runFailed && runTimedOut is null) log.Debug($"all {domains.Count} domains current, {issued} issued in this run");
            var failedDomains = domains.Where((_, i) => results[i] is DomainOutcome.Failed or DomainOutcome.BackingOff).Select(domain => domain.Name);
            await notifier.NotifyIfDueAsync(ProfileReport.RecordedFailures(settings, document, runState.RunFailure.LastError ?? runTimedOut, failedDomains), ct);
            return failed > 0 || unsaved || runFailed || runTimedOut is not null ? ShamanExitCodes.Failure : ShamanExitCodes.Success;
        }
        // A profile error is a usage error, answered by ShamanCommand.
        catch (Exception e) when (ExpectedFailure.Is(e) && e is not ProfileException)
        {
            log.Error(e.Message);
            await notifier.NotifyIfDueAsync(ProfileReport.RecordedFailures(settings, document, e.Message), ct);
            return ShamanExitCodes.Failure;
        }
    }

    /// <summary>A failure that stopped the run from asking the CA is reported and recorded once, at profile level;
    /// a run that reached the CA without one clears the record.</summary>
    /// <returns>True when the run failed that way.</returns>
    private static async Task<bool> FinishRunAsync(ProfileState state, AcmeSession session, ShamanLog log, TimeProvider time, CancellationToken ct)
    {
        if (session.RunFailure is not { } failure)
        {
            if (session.ReachedCa) await state.ClearRunFailureAsync(ct);
            return false;
        }
        log.Error(failure.Message);
        var now = time.GetUtcNow();
        var caRetryAt = now + failure.RetryAfter;
        await state.RecordRunFailureAsync(failure.Message, now, caRetryAt, CancellationToken.None);
        var recorded = state.RunFailure;
        log.Info($"will ask the CA again after {recorded.BackoffUntil:yyyy-MM-dd HH:mm} UTC ({FailureBackoff.Attempts(recorded.Failures)}), or at once with --force");
        return true;
    }

    /// <summary>One domain's failure is logged, counted and recorded for the backoff (<see cref="FailureClassification"/>);
    /// it never stops the others.</summary>
    private static async Task<DomainOutcome> RunDomainAsync(ShamanContext context, DomainSettings domain, DomainRequest? request, DecisionOptions decisions,
        ConcurrentDictionary<string, RenewalVerdict> currentVerdicts, CancellationToken ct)
    {
        var issuer = new DomainIssuer(domain, context);
        using var deadline = new DomainDeadline(domain.Effective.Timeout, ct);
        DomainResult result;
        try
        {
            var outcome = await issuer.RunAsync(request, decisions, deadline.Token);
            if (issuer.CurrentOnDiskVerdict is { } verdict) currentVerdicts[domain.Name] = verdict;
            if (outcome is DomainOutcome.Current or DomainOutcome.Issued) await issuer.State.ClearFailuresAsync(ct);
            return outcome;
        }
        catch (Exception e) when (FailureClassification.Classify(e, domain.Name, deadline.HasExpired ? deadline.Explain(domain.Name, issuer.Progress) : null,
                                      issuer.Progress.Deploying, context.Time.GetUtcNow()) is { } classified)
        {
            result = classified;
        }
        switch (result.Handling)
        {
            case FailureHandling.RunLevel:
                return DomainOutcome.NotTried;
            case FailureHandling.AccountRefused:
                context.Session.Stop(RunFailure.Account(result.Refusal!));
                return DomainOutcome.NotTried;
            case FailureHandling.DeployFailed:
                context.Log.Error(result.Message);
                // Behind its own backoff the domain stays failing as such; otherwise only its deploy failed.
                return issuer.LastStep is { Kind: StepKind.Wait, WaitUntil: not null } ? DomainOutcome.BackingOff : DomainOutcome.DeployFailed;
            case FailureHandling.AskAboutAccount when await context.Session.StopIfAccountRefusedAsync(result.Refusal!, ct):
                return DomainOutcome.NotTried;
        }
        context.Log.Error(result.Message);
        var now = context.Time.GetUtcNow();
        await issuer.State.RecordFailureAsync(result.Message, now, result.CaRetryAt, CancellationToken.None);
        context.Log.Info($"{domain.Name}: will try again after {issuer.State.Failure.BackoffUntil:yyyy-MM-dd HH:mm} UTC ({FailureBackoff.Attempts(issuer.State.Failure.Failures)})");
        return DomainOutcome.Failed;
    }
}
