using System.Collections.Concurrent;
using Concorde.Acme;
using Concorde.Acme.Http;
using Concorde.Acme.Problems;

namespace Concorde.Shaman;

/// <summary>`shaman [options] [&lt;profile dir&gt;]`: validate, lock, then carry every domain forward.</summary>
public static class ShamanCommand
{
    public static Task<int> RunAsync(string[] args, ShamanEnvironment environment, CancellationToken ct,
        ShamanOverrides? overrides = null) =>
        RunAsync(args, environment, overrides ?? ShamanOverrides.None, http: null, ct);

    /// <summary>Tests pass their own HttpClient (a scripted CA) here.</summary>
    internal static async Task<int> RunAsync(string[] args, ShamanEnvironment environment, ShamanOverrides overrides,
        HttpClient? http, CancellationToken ct)
    {
        var (options, error) = ShamanOptions.Parse(args);
        if (options is null)
        {
            await environment.Error.WriteLineAsync($"shaman: {error}\n\n{ShamanOptions.Usage}");
            return ShamanExitCodes.Usage;
        }
        if (options.Help)
        {
            await environment.Out.WriteLineAsync(ShamanOptions.Usage);
            return ShamanExitCodes.Success;
        }
        if (options.Version)
        {
            await environment.Out.WriteLineAsync($"shaman (concorde) {environment.Version}");
            return ShamanExitCodes.Success;
        }
        if (overrides.SyslogSocket is not null) options = options with { SyslogSocket = overrides.SyslogSocket };

        var directory = Path.GetFullPath(options.ProfileDirectory);
        try
        {
            if (!Directory.Exists(directory))
                throw new ProfileException($"{directory}: no such profile directory");
            // Validate before taking the lock, so a broken profile changes nothing at all.
            var preview = await ProfileDocument.LoadAsync(directory, ct);
            var previewSettings = ProfileSettings.Parse(preview.Root);
            // --status shows a profile whatever is wrong with it; --dry-run answers as the run would, refusals included.
            if (options.Status)
                return await ReportAsync(options, environment, preview, previewSettings, ct);

            CheckMetricsDirectory(preview, previewSettings);
            await ProfilePreflight.CheckAsync(preview, previewSettings, environment, ct);
            if (options.DryRun)
                return await ReportAsync(options, environment, preview, previewSettings, ct);
            if (options.RandomSleep is { } longest && environment.OutputIsRedirected)
                await Task.Delay(longest * environment.Random.NextDouble(), environment.Time, ct);

            using var runLock = RunLock.TryAcquire(directory);
            if (runLock is null)
            {
                await environment.Error.WriteLineAsync($"shaman: another shaman is working on {directory}; nothing done");
                return ShamanExitCodes.Locked;
            }
            // Re-read under the lock: the run that held it may have changed the file.
            var document = await ProfileDocument.LoadAsync(directory, ct);
            var settings = ProfileSettings.Parse(document.Root);
            var clientOptions = overrides.RequestTimeout is { } timeout ? new AcmeClientOptions { RequestTimeout = timeout } : null;
            return await RunWithMetricsAsync(options, environment, directory, document, settings, clientOptions, http, ct);
        }
        catch (ProfileException e)
        {
            await environment.Error.WriteLineAsync($"shaman: {e.Message}");
            return ShamanExitCodes.Usage;
        }
    }

    private static async Task<int> ReportAsync(ShamanOptions options, ShamanEnvironment environment, ProfileDocument document,
        ProfileSettings settings, CancellationToken ct)
    {
        var now = environment.Time.GetUtcNow();
        var plans = new List<DomainPlan>();
        string? Resolve(string program) => ProgramRunner.Resolve(program, document.Directory, environment.ProgramSearchPath);
        foreach (var domain in settings.Domains)
            plans.Add(await DomainPlan.ForAsync(domain, settings, document, now, options.Force, Resolve, ct));
        if (options.DryRun)
        {
            var account = new List<string>();
            var state = new ProfileState(document);
            if (state.KeyFile is null) account.Add($"create the account key {KeyStore.AccountKeyFileName}");
            if (ServerChange.PreviousServer(state, settings) is { } previous)
                account.Add($"forget the account, orders and certificates of {previous} (\"server\" changed), register at {settings.Server} and order every certificate there");
            else if (state.AccountId is null) account.Add($"create an account at {settings.Server}");
            await environment.Out.WriteAsync(StatusReport.DryRun(plans, account, now, RunFailureStatus.Of(state)));
            await environment.Out.WriteAsync(NotifyReport.DryRun(settings.Notify, state,
                FailureSet.Of(RecordedFailures(settings, document), state.RunLastError, DeployFailures(settings, document)), now));
        }
        else
        {
            var state = new ProfileState(document);
            var run = RunFailureStatus.Of(state);
            await environment.Out.WriteAsync(options.Json
                ? StatusReport.Json(plans, NotifyState.Of(settings.Notify, state), run)
                : StatusReport.Table(plans, now, colour: !environment.OutputIsRedirected, run) + NotifyReport.Status(settings.Notify, state) +
                  DnsPersistExpiry.Status(settings, now));
        }
        return ShamanExitCodes.Success;
    }

    /// <summary>`"metrics"` must name a file in an existing directory: found before the lock and before any write.</summary>
    private static void CheckMetricsDirectory(ProfileDocument document, ProfileSettings settings)
    {
        if (settings.Metrics is not { } metrics) return;
        var path = document.ResolvePath(metrics);
        if (Directory.Exists(path))
            throw ProfileSettings.Error($"\"metrics\": {path} is a directory; name a file in it, e.g. \"{Path.Combine(metrics, "concorde.prom")}\"");
        if (Path.GetDirectoryName(path) is not { } parent || !Directory.Exists(parent))
            throw ProfileSettings.Error($"\"metrics\": the directory of {path} does not exist; create it or point \"metrics\" elsewhere");
    }

    /// <summary>Runs the profile, then writes the metrics file whatever happened (failure and interruption
    /// included), so monitoring sees every run.</summary>
    private static async Task<int> RunWithMetricsAsync(ShamanOptions options, ShamanEnvironment environment, string directory,
        ProfileDocument document, ProfileSettings settings, AcmeClientOptions? clientOptions, HttpClient? testHttp, CancellationToken ct)
    {
        var currentVerdicts = new ConcurrentDictionary<string, RenewalVerdict>(StringComparer.Ordinal);
        if (settings.Metrics is null)
            return await RunProfileAsync(options, environment, directory, document, settings, clientOptions, testHttp, currentVerdicts, ct);
        var started = environment.Time.GetUtcNow();
        var exit = ShamanExitCodes.Failure;
        var written = true;
        try
        {
            exit = await RunProfileAsync(options, environment, directory, document, settings, clientOptions, testHttp, currentVerdicts, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            exit = ShamanExitCodes.Interrupted;
            throw;
        }
        finally
        {
            written = await WriteMetricsAsync(environment, directory, document, settings, currentVerdicts, started, exit);
        }
        return written ? exit : ShamanExitCodes.Failure;
    }

    /// <summary>The metrics of the run that just ended. A domain found current from the files alone reuses that
    /// verdict; only domains the run worked on (or skipped) are read again.</summary>
    private static async Task<bool> WriteMetricsAsync(ShamanEnvironment environment, string directory, ProfileDocument document,
        ProfileSettings settings, IReadOnlyDictionary<string, RenewalVerdict> currentVerdicts, DateTimeOffset started, int exit)
    {
        var path = document.ResolvePath(settings.Metrics!);
        try
        {
            var ended = environment.Time.GetUtcNow();
            var domains = new List<DomainMetrics>(settings.Domains.Count);
            foreach (var domain in settings.Domains)
            {
                var state = new DomainState(document, domain.Name);
                if (currentVerdicts.TryGetValue(domain.Name, out var verdict))
                {
                    domains.Add(new DomainMetrics(domain.Name, verdict.Certificate!.NotBefore, verdict.Certificate.NotAfter, verdict.Timing!.RenewAt, state.Failures,
                        state.DeployPending && (domain.Deploy ?? settings.Deploy) is not null, state.ServedOk));
                    continue;
                }
                var plan = await DomainPlan.ForAsync(domain, settings, document, ended, force: false, resolveProgram: null, CancellationToken.None);
                domains.Add(new DomainMetrics(domain.Name, plan.NotBefore, plan.NotAfter, plan.RenewAt, plan.Failures, plan.DeployPending, state.ServedOk));
            }
            var lastSuccess = exit == ShamanExitCodes.Success ? ended : await RunMetrics.PreviousLastSuccessAsync(path, CancellationToken.None);
            var text = RunMetrics.Format(Path.GetFileName(directory), domains, started, ended - started, exit, lastSuccess,
                new ProfileState(document).RunFailures);
            await RunMetrics.WriteAsync(path, text, CancellationToken.None);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await environment.Error.WriteLineAsync($"shaman: cannot write the \"metrics\" file {path}: {e.Message}");
            return false;
        }
    }

    private static async Task<int> RunProfileAsync(ShamanOptions options, ShamanEnvironment environment, string directory,
        ProfileDocument document, ProfileSettings settings, AcmeClientOptions? clientOptions, HttpClient? testHttp,
        ConcurrentDictionary<string, RenewalVerdict> currentVerdicts, CancellationToken ct)
    {
        using var syslog = new SyslogSender(options.SyslogSocket, "shaman", environment.Time);
        var log = new ShamanLog(environment.Out, syslog, (LogLevel)settings.LogThreshold, options.Quiet);
        log.Debug($"profile {directory}");
        var programs = new ProgramRunner(directory, environment.ProgramSearchPath, settings.AuthenticatorTimeout, log);
        var notifier = new FailureNotifier(settings.Notify, directory, new ProfileState(document), programs, log, environment.Time);
        try
        {
            ProfileHygiene.Check(document, settings, log, environment.Time.GetUtcNow());
            ProfileWarnings.Warn(document.Root, settings, log);
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
            var runHeldBack = !options.Force && runState.RunBackoffUntil is { } runUntil && runUntil > environment.Time.GetUtcNow();
            if (runHeldBack)
                log.Warning($"skipped after {FailureBackoff.Attempts(runState.RunFailures)} until {runState.RunBackoffUntil:yyyy-MM-dd HH:mm} UTC " +
                            $"(last error: {runState.RunLastError ?? "not recorded"}); fix the cause, then run with --force to try now");
            var context = new ShamanContext(settings, document, keys, session,
                programs, log, environment.Time, environment.Random);

            var runDeadline = new RunDeadline(settings.RunTimeout);
            using var slots = new SemaphoreSlim(settings.Parallel);
            DomainOutcome?[] results;
            var unsaved = false;
            try
            {
                results = await Task.WhenAll(settings.Domains.Select(async domain =>
                {
                    await slots.WaitAsync(ct);
                    try
                    {
                        if (runDeadline.HasExpired) return DomainOutcome.NotStarted;
                        return await RunDomainAsync(context, domain, options.Force, runHeldBack, currentVerdicts, ct);
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
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    log.Error($"cannot save {document.FilePath}: {e.Message}");
                    unsaved = true;
                }
            }
            var runFailed = await FinishRunAsync(runState, session, log, environment.Time, ct) || runHeldBack;
            var failed = results.Count(outcome => outcome is null or DomainOutcome.DeployFailed);
            var issued = results.Count(outcome => outcome == DomainOutcome.Issued);
            var notStarted = settings.Domains.Where((_, i) => results[i] == DomainOutcome.NotStarted).Select(domain => domain.Name).ToList();
            var runTimedOut = notStarted.Count > 0 ? runDeadline.Explain(notStarted, settings.Domains.Count) : null;
            if (runTimedOut is not null) log.Error(runTimedOut);
            if (failed > 0) log.Error($"{failed} of {settings.Domains.Count} domains failed");
            // A threshold above errors (Python's CRITICAL) would make a failing run silent, and cron mails nothing.
            if (failed > 0 && log.Threshold > LogLevel.Error)
                await environment.Error.WriteLineAsync($"shaman: {failed} of {settings.Domains.Count} domains failed in {directory} " +
                                                       $"(\"logThreshold\": {(int)log.Threshold} hides the details; lower it to 40 to see them)");
            else if (!runFailed && runTimedOut is null) log.Debug($"all {settings.Domains.Count} domains current, {issued} issued in this run");
            var failedDomains = settings.Domains.Where((_, i) => results[i] is null).Select(domain => domain.Name);
            await notifier.NotifyIfDueAsync(FailureSet.Of(failedDomains, new ProfileState(document).RunLastError ?? runTimedOut,
                DeployFailures(settings, document)), ct);
            return failed > 0 || unsaved || runFailed || runTimedOut is not null ? ShamanExitCodes.Failure : ShamanExitCodes.Success;
        }
        // A profile error is a usage error, answered by RunAsync.
        catch (Exception e) when (ExpectedFailure.Is(e) && e is not ProfileException)
        {
            log.Error(e.Message);
            await notifier.NotifyIfDueAsync(FailureSet.Of(RecordedFailures(settings, document), e.Message, DeployFailures(settings, document)), ct);
            return ShamanExitCodes.Failure;
        }
    }

    /// <summary>The domains shaman.json records as failing: what a run that stopped before the domains (or --dry-run)
    /// knows of them.</summary>
    private static IEnumerable<string> RecordedFailures(ProfileSettings settings, ProfileDocument document) =>
        settings.Domains.Where(domain => new DomainState(document, domain.Name).Failures > 0).Select(domain => domain.Name);

    /// <summary>The domains whose certificate on disk is not known to be in service (<see cref="CertificateDeployer.IsBehind"/>).</summary>
    private static IEnumerable<string> DeployFailures(ProfileSettings settings, ProfileDocument document) =>
        settings.Domains.Where(domain => CertificateDeployer.IsBehind(domain, settings, new DomainState(document, domain.Name)))
            .Select(domain => domain.Name);

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
        log.Info($"will ask the CA again after {FailureBackoff.NextAttempt(state.RunFailures, now, caRetryAt):yyyy-MM-dd HH:mm} UTC " +
                 $"({FailureBackoff.Attempts(state.RunFailures)}), or at once with --force");
        return true;
    }

    /// <summary>One domain's failure is logged, counted and recorded for the backoff; it never stops the others.</summary>
    /// <returns>How the domain ended, or null when it failed.</returns>
    /// <param name="runHeldBack">The profile's run-level backoff holds every order back: only a pending deploy runs.</param>
    private static async Task<DomainOutcome?> RunDomainAsync(ShamanContext context, DomainSettings domain, bool force, bool runHeldBack,
        ConcurrentDictionary<string, RenewalVerdict> currentVerdicts, CancellationToken ct)
    {
        context.Session.WorkOn(domain.Name);
        var issuer = new DomainIssuer(domain, context);
        var now = context.Time.GetUtcNow();
        var backingOff = runHeldBack || (!force && issuer.State.BackoffUntil is { } until && until > now);
        if (backingOff && !runHeldBack)
            context.Log.Warning($"{domain.Name}: skipped after {FailureBackoff.Attempts(issuer.State.Failures)} until {issuer.State.BackoffUntil:yyyy-MM-dd HH:mm} UTC " +
                                $"(last error: {DomainState.WithoutName(domain.Name, issuer.State.LastError ?? "not recorded")}); fix the cause, then run with --force to try now");
        string message;
        DateTimeOffset? caRetryAt = null;
        using var deadline = new DomainDeadline(domain.Timeout(context.Settings), ct);
        try
        {
            if (backingOff)
            {
                // The backoff holds back ordering, not the certificate already on disk.
                await issuer.DeployPendingAsync(deadline.Token);
                return runHeldBack ? DomainOutcome.NotTried : null;
            }
            var outcome = await issuer.RunAsync(deadline.Token);
            if (issuer.CurrentOnDiskVerdict is { } verdict) currentVerdicts[domain.Name] = verdict;
            await issuer.State.ClearFailuresAsync(ct);
            return outcome;
        }
        catch (OperationCanceledException) when (deadline.HasExpired && issuer.Progress.Deploying)
        {
            // Like a failed deploy: issuing again would not help, so no backoff.
            context.Log.Error(deadline.Explain(domain.Name, issuer.Progress));
            return backingOff && !runHeldBack ? null : DomainOutcome.DeployFailed;
        }
        catch (OperationCanceledException) when (deadline.HasExpired)
        {
            message = deadline.Explain(domain.Name, issuer.Progress);
        }
        catch (RunFailure)
        {
            // Not this domain's: the run reports it once (FinishRunAsync).
            return DomainOutcome.NotTried;
        }
        catch (AcmeProblemException e) when (RunFailure.IsAboutAccount(e))
        {
            context.Session.Stop(RunFailure.Account(e));
            return DomainOutcome.NotTried;
        }
        catch (DeployFailure e)
        {
            // The certificate is fine; backing off would only delay the next renewal.
            context.Log.Error(e.Message);
            return backingOff && !runHeldBack ? null : DomainOutcome.DeployFailed;
        }
        catch (Exception e) when (e is DomainFailure or ProgramFailedException)
        {
            message = e.Message;
        }
        catch (AcmeProblemException e)
        {
            // The account's refusal is the run's, reported once (FinishRunAsync).
            if (await context.Session.StopIfAccountRefusedAsync(e, ct)) return DomainOutcome.NotTried;
            message = $"{domain.Name}: the CA refused: {e.Message}" +
                      (e.RetryAfter is { } wait ? $" (the CA asks to wait {wait.TotalMinutes:0} minutes)" : "");
            caRetryAt = context.Time.GetUtcNow() + e.RetryAfter;
        }
        catch (Exception e) when (ExpectedFailure.Is(e))
        {
            message = $"{domain.Name}: {e.Message}";
        }
        context.Log.Error(message);
        var failures = issuer.State.Failures + 1;
        await issuer.State.RecordFailureAsync(message, now, caRetryAt, CancellationToken.None);
        context.Log.Info($"{domain.Name}: will try again after {FailureBackoff.NextAttempt(failures, now, caRetryAt):yyyy-MM-dd HH:mm} UTC ({FailureBackoff.Attempts(failures)})");
        return null;
    }
}
