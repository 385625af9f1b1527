using Concorde.Acme;
using Concorde.Acme.Files;
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
            await environment.Out.WriteLineAsync(environment.Build is null
                ? $"shaman (concorde) {environment.Version}"
                : $"shaman (concorde) {environment.Version} ({environment.Build})");
            return ShamanExitCodes.Success;
        }
        if (options.ImportCertbot is { } certbot)
            return await CertbotImport.RunAsync(certbot, options.ProfileDirectory, environment, options.Quiet, ct);
        if (overrides.SyslogSocket is not null) options = options with { SyslogSocket = overrides.SyslogSocket };
        // --status shows profiles whatever is wrong with them; --dry-run answers as the run would, refusals included.
        if (options.Status) return await ProfileReport.StatusAsync(options, environment, ct);

        var directory = Path.GetFullPath(options.ProfileDirectory);
        try
        {
            if (!Directory.Exists(directory))
                throw new ProfileException($"{directory}: no such profile directory");
            // Validate before taking the lock, so a broken profile changes nothing at all.
            var preview = await ProfileDocument.LoadAsync(directory, ct);
            var previewSettings = ProfileSettings.Parse(preview.Root);
            options.Verbs.Check(previewSettings, preview);
            MetricsFile.CheckDirectory(preview, previewSettings);
            await ProfilePreflight.CheckAsync(preview, previewSettings, environment, ct);
            if (options.DryRun)
                return await ProfileReport.DryRunAsync(options, environment, preview, previewSettings, ct);
            if (options.RandomSleep is { } longest && environment.OutputIsRedirected)
                await Task.Delay(longest * environment.Random.NextDouble(), environment.Time, ct);

            using var runLock = RunLock.TryAcquire(directory, environment.Time.GetUtcNow(), out var holder);
            if (runLock is null) return await LockedAsync(environment, preview, previewSettings, holder!);
            // Re-read under the lock: the run that held it may have changed the file. What is used is checked again,
            // the file as its descriptor was read: the first check was before the sleep and the wait for the lock.
            var document = await ProfileDocument.LoadAsync(directory, ct);
            var settings = ProfileSettings.Parse(document.Root);
            ProfilePreflight.CheckTrusted(document, settings, environment);
            options.Verbs.Check(settings, document);
            var clientOptions = overrides.RequestTimeout is { } timeout ? new AcmeClientOptions { RequestTimeout = timeout } : null;
            return await ProfileRun.RunAsync(options, environment, document, settings, clientOptions, http, ct);
        }
        catch (ProfileException e)
        {
            await environment.Error.WriteLineAsync($"shaman: {e.Message}");
            return ShamanExitCodes.Usage;
        }
    }

    /// <summary>A lock held by a run at work is left to it (75, nothing done); one held by another user or for longer than
    /// any run takes stops every renewal, so it fails the run (1), in the metrics file too.</summary>
    private static async Task<int> LockedAsync(ShamanEnvironment environment, ProfileDocument document, ProfileSettings settings, LockHolder holder)
    {
        var now = environment.Time.GetUtcNow();
        var lockPath = Path.Combine(document.Directory, RunLock.FileName);
        var who = holder.ProcessId is not { } processId ? "a process /proc does not show"
            : holder.User is { } user ? $"process {processId} of {TrustedPath.DescribeUser(user)}"
            : $"process {processId}";
        var problem = LockDecision.Decide(holder, FileStatus.EffectiveUser, now, LockDecision.LongestRun(settings)) switch
        {
            LockVerdict.HeldByAnotherUser => $"{lockPath} is held by {who}, not by a shaman run; no certificate can be renewed while it holds it. End that process",
            LockVerdict.HeldTooLong => $"no run has taken {lockPath} since {holder.LastTaken:yyyy-MM-dd HH:mm} UTC, longer than a run may take " +
                                       $"(runTimeout + domainTimeout + {LockDecision.Margin.TotalHours:0} h); it is held by {who}. End that process",
            _ => null,
        };
        if (problem is null)
        {
            await environment.Error.WriteLineAsync($"shaman: another shaman is working on {document.Directory}; nothing done");
            return ShamanExitCodes.Locked;
        }
        await environment.Error.WriteLineAsync($"shaman: {problem}");
        if (settings.Metrics is not null)
            await MetricsFile.WriteAsync(environment, document, settings, new Dictionary<string, RenewalVerdict>(), now, ShamanExitCodes.Failure,
                lockBlocked: now - holder.LastTaken);
        return ShamanExitCodes.Failure;
    }
}
