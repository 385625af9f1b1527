namespace Concorde.Shaman;

/// <summary>`--status` and `--dry-run`: what shaman.json records and what the next run would do, read from files
/// only; nothing is written.</summary>
public static class ProfileReport
{
    public static async Task<int> WriteAsync(ShamanOptions options, ShamanEnvironment environment, ProfileDocument document,
        ProfileSettings settings, CancellationToken ct)
    {
        var now = environment.Time.GetUtcNow();
        var plans = new List<DomainPlan>();
        string? Resolve(string program) => ProgramRunner.Resolve(program, document.Directory, environment.ProgramSearchPath);
        foreach (var domain in settings.Domains)
            plans.Add(await DomainPlan.ForAsync(domain, settings, document, now, options.Force, Resolve, ct));
        var state = new ProfileState(document);
        if (options.DryRun)
        {
            var account = new List<string>();
            if (state.KeyFile is null) account.Add($"create the account key {KeyStore.AccountKeyFileName}");
            if (ServerChange.PreviousServer(state, settings) is { } previous)
                account.Add($"forget the account, orders and certificates of {previous} (\"server\" changed), register at {settings.Server} and order every certificate there");
            else if (state.AccountId is null) account.Add($"create an account at {settings.Server}");
            await environment.Out.WriteAsync(StatusReport.DryRun(plans, account, now, RunFailureStatus.Of(state)));
            await environment.Out.WriteAsync(NotifyReport.DryRun(settings.Notify, state, RecordedFailures(settings, document, state.RunFailure.LastError), now));
        }
        else
        {
            var run = RunFailureStatus.Of(state);
            await environment.Out.WriteAsync(options.Json
                ? StatusReport.Json(plans, NotifyState.Of(settings.Notify, state), run)
                : StatusReport.Table(plans, now, colour: !environment.OutputIsRedirected, run) + NotifyReport.Status(settings.Notify, state) +
                  DnsPersistExpiry.Status(settings, now));
        }
        return ShamanExitCodes.Success;
    }

    /// <summary>What shaman.json records as failing: the domains with a failure record, those whose certificate on
    /// disk is not in service (<see cref="CertificateDeployer.IsBehind"/>) and <paramref name="runError"/>. What a run
    /// that stopped before its domains, and --dry-run, know.</summary>
    public static FailureSet RecordedFailures(ProfileSettings settings, ProfileDocument document, string? runError, IEnumerable<string>? failedNow = null)
    {
        var records = settings.Domains.Select(domain => (domain, Record: new DomainState(document, domain.Name).Snapshot())).ToList();
        return FailureSet.Of(failedNow ?? records.Where(d => d.Record.Failure.Failures > 0).Select(d => d.domain.Name), runError,
            records.Where(d => CertificateDeployer.IsBehind(d.domain, d.Record)).Select(d => d.domain.Name));
    }
}
