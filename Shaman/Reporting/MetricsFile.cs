using Concorde.Acme;

namespace Concorde.Shaman;

/// <summary>The profile's `"metrics"` file: checked before the run, written after it whatever happened.</summary>
public static class MetricsFile
{
    /// <summary>`"metrics"` must name a file in an existing directory: found before the lock and before any write.</summary>
    public static void CheckDirectory(ProfileDocument document, ProfileSettings settings)
    {
        if (settings.Metrics is not { } metrics) return;
        var path = document.ResolvePath(metrics);
        if (Directory.Exists(path))
            throw JsonFields.Error($"\"metrics\": {path} is a directory; name a file in it, e.g. \"{Path.Combine(metrics, "concorde.prom")}\"");
        if (Path.GetDirectoryName(path) is not { } parent || !Directory.Exists(parent))
            throw JsonFields.Error($"\"metrics\": the directory of {path} does not exist; create it or point \"metrics\" elsewhere");
    }

    /// <summary>The metrics directory may belong to the monitoring account (Debian's /var/lib/prometheus/node-exporter is
    /// prometheus's), so another user there is warned about, not refused. The file is still safe to write: the temporary
    /// file is created O_EXCL (a link planted there is not followed) and renamed over whatever the name holds.</summary>
    public static void WarnIfOthersCanWrite(ProfileDocument document, ProfileSettings settings, ShamanLog log)
    {
        if (settings.Metrics is not { } metrics || Path.GetDirectoryName(document.ResolvePath(metrics)) is not { } directory) return;
        try
        {
            TrustedPath.Require(directory, "the \"metrics\" directory");
        }
        catch (ProfileException e)
        {
            log.Warning($"{e.Message}: that user can replace or remove the metrics file, so monitoring may be shown false numbers " +
                        "(a failing renewal hidden)");
        }
    }

    /// <summary>The metrics of the run that just ended. A domain found current from the files alone reuses that
    /// verdict; only domains the run worked on (or skipped) are read again.</summary>
    /// <param name="lockBlocked">For a run that found the lock held too long: how long no run has taken it.</param>
    /// <returns>False when the file could not be written (said on stderr).</returns>
    public static async Task<bool> WriteAsync(ShamanEnvironment environment, ProfileDocument document, ProfileSettings settings,
        IReadOnlyDictionary<string, RenewalVerdict> currentVerdicts, DateTimeOffset started, int exit, TimeSpan? lockBlocked = null)
    {
        var path = document.ResolvePath(settings.Metrics!);
        try
        {
            var ended = environment.Time.GetUtcNow();
            var domains = new List<DomainMetrics>(settings.Domains.Count);
            foreach (var domain in settings.Domains)
            {
                var record = new DomainState(document, domain.Name).Snapshot();
                var deployPending = record.DeployPending && domain.Effective.Deploy is not null;
                if (currentVerdicts.TryGetValue(domain.Name, out var verdict))
                {
                    domains.Add(new DomainMetrics(domain.Name, verdict.Certificate!.NotBefore, verdict.Certificate.NotAfter, verdict.Timing!.RenewAt,
                        record.Failure.Failures, deployPending, record.ServedOk));
                    continue;
                }
                var plan = await DomainPlan.ForAsync(domain, settings, document, ended, force: false, resolveProgram: null, CancellationToken.None);
                domains.Add(new DomainMetrics(domain.Name, plan.NotBefore, plan.NotAfter, plan.RenewAt, plan.Failures, deployPending, record.ServedOk));
            }
            var lastSuccess = exit == ShamanExitCodes.Success ? ended : await RunMetrics.PreviousLastSuccessAsync(path, environment.Error);
            var text = RunMetrics.Format(Path.GetFileName(document.Directory), domains, started, ended - started, exit, lastSuccess,
                new ProfileState(document).RunFailure.Failures, lockBlocked);
            await RunMetrics.WriteAsync(path, text, CancellationToken.None);
            return true;
        }
        catch (Exception e) when (ExpectedFailure.IsFileProblem(e))
        {
            await environment.Error.WriteLineAsync($"shaman: cannot write the \"metrics\" file {path}: {e.Message}");
            return false;
        }
    }
}
