namespace Concorde.Shaman;

/// <summary>`--status` and `--dry-run`: what shaman.json records and what the next run would do, read from files
/// only; nothing is written.</summary>
public static class ProfileReport
{
    /// <summary>`--status DIR...`: every profile, each whatever is wrong with its domains. Exits 0 when nothing needs
    /// attention, 1 when a domain does (<see cref="DomainPlan.Attention"/>) or a profile's last run failed, 2 when a
    /// profile cannot be read (the others are still shown): a monitoring check and a shell `if` read the status alone.</summary>
    public static async Task<int> StatusAsync(ShamanOptions options, ShamanEnvironment environment, CancellationToken ct)
    {
        string[] directories = [options.ProfileDirectory, .. options.MoreProfileDirectories];
        var several = directories.Length > 1;
        var now = environment.Time.GetUtcNow();
        var profiles = new List<StatusReport.ProfileStatus>();
        var exit = ShamanExitCodes.Success;
        foreach (var directory in directories.Select(Path.GetFullPath))
        {
            ProfileDocument document;
            ProfileSettings settings;
            try
            {
                if (!Directory.Exists(directory)) throw new ProfileException($"{directory}: no such profile directory");
                document = await ProfileDocument.LoadAsync(directory, ct);
                settings = ProfileSettings.Parse(document.Root);
            }
            catch (ProfileException e)
            {
                await environment.Error.WriteLineAsync($"shaman: {e.Message}");
                profiles.Add(new(directory, [], null, null, e.Message));
                exit = ShamanExitCodes.Usage;
                continue;
            }
            var state = new ProfileState(document);
            var plans = await PlansAsync(options, environment, document, settings, now, ct);
            var run = RunFailureStatus.Of(state);
            profiles.Add(new(directory, plans, NotifyState.Of(settings.Notify, state), run));
            var attention = plans.Select(plan => (plan.Name, Reasons: plan.Attention(now))).Where(d => d.Reasons.Count > 0).ToList();
            if (attention.Count > 0 || run.Failing) exit = Math.Max(exit, ShamanExitCodes.Failure);
            var prefix = several ? $"{directory}: " : "";
            if (options.Json) continue;
            if (options.Quiet)
                await environment.Out.WriteAsync(string.Concat(attention.Select(d => $"{prefix}{d.Name}: {string.Join("; ", d.Reasons)}\n")) +
                                                 (run.Failing ? $"{prefix}{run.Describe(now)}\n" : ""));
            else
                await environment.Out.WriteAsync((several ? $"{(profiles.Count > 1 ? "\n" : "")}==> {directory} <==\n" : "") +
                    StatusReport.Table(plans, now, colour: !environment.OutputIsRedirected, run) +
                    NotifyReport.Status(settings.Notify, state) + DnsPersistExpiry.Status(settings, now));
        }
        if (options.Json && (several || exit != ShamanExitCodes.Usage))
            await environment.Out.WriteAsync(several ? StatusReport.Json(profiles, now) : StatusReport.Json(profiles[0], now));
        return exit;
    }

    /// <summary>`--dry-run`: the warnings a run would log, then what it would do. Exits 1 when the run would fail: a
    /// domain would fail before ordering, or a backoff (a domain's or the profile's) holds it back.</summary>
    public static async Task<int> DryRunAsync(ShamanOptions options, ShamanEnvironment environment, ProfileDocument document,
        ProfileSettings settings, CancellationToken ct)
    {
        var now = environment.Time.GetUtcNow();
        // Not to syslog: nothing happened.
        var log = new ShamanLog(environment.Out, syslog: null, (LogLevel)settings.LogThreshold, options.Quiet);
        ProfileHygiene.WarnAboutPermissions(document, settings, log);
        ProfileWarnings.Warn(document.Root, settings, log);
        var plans = await PlansAsync(options, environment, document, settings, now, ct);
        var state = new ProfileState(document);
        var account = new List<string>();
        if (state.KeyFile is null) account.Add($"create the account key {KeyStore.AccountKeyFileName}");
        if (ServerChange.PreviousServer(state, settings) is { } previous)
            account.Add($"forget the account, orders and certificates of {previous} (\"server\" changed), register at {settings.Server} and order every certificate there");
        else if (state.AccountId is null) account.Add($"create an account at {settings.Server}");
        await environment.Out.WriteAsync(StatusReport.DryRun(plans, account, now, RunFailureStatus.Of(state)));
        await environment.Out.WriteAsync(NotifyReport.DryRun(settings.Notify, state, RecordedFailures(settings, document, state.RunFailure.LastError), now));
        var heldBack = !options.Force && (state.RunFailure.HoldsBack(now) || plans.Any(plan => plan.BackoffUntil is not null));
        return heldBack || plans.Any(plan => plan.Error is not null) ? ShamanExitCodes.Failure : ShamanExitCodes.Success;
    }

    private static async Task<IReadOnlyList<DomainPlan>> PlansAsync(ShamanOptions options, ShamanEnvironment environment, ProfileDocument document,
        ProfileSettings settings, DateTimeOffset now, CancellationToken ct)
    {
        var plans = new List<DomainPlan>();
        string? Resolve(string program) => ProgramRunner.Resolve(program, document.Directory, environment.ProgramSearchPath);
        foreach (var domain in settings.Domains)
            plans.Add(await DomainPlan.ForAsync(domain, settings, document, now, options.Force, Resolve, ct));
        return plans;
    }

    /// <summary>What shaman.json records as failing: the domains with a failure record, those whose certificate on
    /// disk is not in service (<see cref="DomainDecision.NotInService"/>) and <paramref name="runError"/>. What a run
    /// that stopped before its domains, and --dry-run, know.</summary>
    public static FailureSet RecordedFailures(ProfileSettings settings, ProfileDocument document, string? runError, IEnumerable<string>? failedNow = null)
    {
        var records = settings.Domains.Select(domain => (domain, Record: new DomainState(document, domain.Name).Snapshot())).ToList();
        return FailureSet.Of(failedNow ?? records.Where(d => d.Record.Failure.Failures > 0).Select(d => d.domain.Name), runError,
            records.Where(d => DomainDecision.NotInService(d.Record, d.domain.Effective.Deploy is not null, d.domain.Effective.Verify.Count > 0))
                .Select(d => d.domain.Name));
    }
}
