using Concorde.Acme;
using Concorde.Acme.Http;
using Concorde.Acme.Keys;
using Concorde.Acme.Problems;
using Concorde.Cli;

namespace Concorde.Shaman;

/// <summary>`shaman [options] [&lt;profile dir&gt;]`: validate, lock, then carry every domain forward.</summary>
public static class ShamanCommand
{
    public static async Task<int> RunAsync(string[] args, AppEnvironment environment, CancellationToken ct,
        ShamanOverrides? overrides = null)
    {
        var (options, error) = ShamanOptions.Parse(args);
        if (options is null)
        {
            await environment.Error.WriteLineAsync($"shaman: {error}\n\n{ShamanOptions.Usage}");
            return ExitCodes.Usage;
        }
        if (options.Help)
        {
            await environment.Out.WriteLineAsync(ShamanOptions.Usage);
            return ExitCodes.Success;
        }
        if (options.Version)
        {
            await environment.Out.WriteLineAsync($"shaman (concorde) {environment.Version}");
            return ExitCodes.Success;
        }
        overrides ??= ShamanOverrides.None;
        if (overrides.SyslogSocket is not null) options = options with { SyslogSocket = overrides.SyslogSocket };

        var directory = Path.GetFullPath(options.ProfileDirectory);
        try
        {
            if (!Directory.Exists(directory))
                throw new ProfileException($"{directory}: no such profile directory");
            // Validate before taking the lock, so a broken profile changes nothing at all.
            ProfileSettings.Parse((await ProfileDocument.LoadAsync(directory, ct)).Root);
            using var runLock = RunLock.TryAcquire(directory);
            if (runLock is null)
            {
                await environment.Error.WriteLineAsync($"shaman: another shaman is working on {directory}; nothing done");
                return ExitCodes.Locked;
            }
            // Re-read under the lock: the run that held it may have changed the file.
            var document = await ProfileDocument.LoadAsync(directory, ct, KillAfterSave(overrides.KillAfterSave));
            var settings = ProfileSettings.Parse(document.Root);
            var clientOptions = overrides.RequestTimeout is { } timeout ? new AcmeClientOptions { RequestTimeout = timeout } : null;
            return await RunProfileAsync(options, environment, directory, document, settings, clientOptions, ct);
        }
        catch (ProfileException e)
        {
            await environment.Error.WriteLineAsync($"shaman: {e.Message}");
            return ExitCodes.Usage;
        }
    }

    private static async Task<int> RunProfileAsync(ShamanOptions options, AppEnvironment environment, string directory,
        ProfileDocument document, ProfileSettings settings, AcmeClientOptions? clientOptions, CancellationToken ct)
    {
        using var syslog = new SyslogSender(options.SyslogSocket, "shaman", environment.Time);
        var log = new ShamanLog(environment.Out, syslog, (LogLevel)settings.LogThreshold, options.Quiet);
        log.Debug($"profile {directory}");
        try
        {
            var bundle = settings.CaBundle ?? environment.CaBundleFromEnvironment;
            var roots = bundle is null ? null : AcmeHttpClientFactory.LoadTrustedRoots(document.ResolvePath(bundle));
            using var http = AcmeHttpClientFactory.Create(environment.Version, roots);
            var keys = new KeyStore(document, log);
            var accountKey = await keys.AccountKeyAsync(ct);
            var context = new ShamanContext(settings, document, keys,
                new AcmeSession(http, settings, document, accountKey, environment.Time, log, clientOptions),
                new AuthenticatorRunner(directory, settings.AuthenticatorTimeout, log), log, environment.Time);

            var failed = 0;
            foreach (var domain in settings.Domains)
            {
                if (!await RunDomainAsync(context, domain, ct)) failed++;
            }
            if (failed > 0) log.Error($"{failed} of {settings.Domains.Count} domains failed");
            return failed > 0 ? ExitCodes.Failure : ExitCodes.Success;
        }
        catch (Exception e) when (e is KeyFileException or IOException or UnauthorizedAccessException or AcmeException or HttpRequestException)
        {
            log.Error(e.Message);
            return ExitCodes.Failure;
        }
    }

    private static Action<string>? KillAfterSave(int? count)
    {
        if (count is not { } limit) return null;
        var saves = 0;
        return _ =>
        {
            if (Interlocked.Increment(ref saves) >= limit) System.Diagnostics.Process.GetCurrentProcess().Kill();
        };
    }

    /// <summary>One domain's failure is logged and counted; it never stops the others.</summary>
    private static async Task<bool> RunDomainAsync(ShamanContext context, DomainSettings domain, CancellationToken ct)
    {
        try
        {
            await new DomainIssuer(domain, context).RunAsync(ct);
            return true;
        }
        catch (DomainFailure e)
        {
            context.Log.Error(e.Message);
        }
        catch (AuthenticatorException e)
        {
            context.Log.Error(e.Message);
        }
        catch (AcmeProblemException e)
        {
            context.Log.Error($"{domain.Name}: the CA refused: {e.Message}" +
                              (e.RetryAfter is { } wait ? $" (the CA asks to wait {wait.TotalMinutes:0} minutes)" : ""));
        }
        catch (Exception e) when (e is AcmeException or KeyFileException or IOException or UnauthorizedAccessException
                                      or ProfileException or System.Security.Cryptography.CryptographicException)
        {
            context.Log.Error($"{domain.Name}: {e.Message}");
        }
        return false;
    }
}
