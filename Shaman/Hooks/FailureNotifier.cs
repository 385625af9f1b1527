using Concorde.Acme;

namespace Concorde.Shaman;

/// <summary>Runs the profile's "notify" program at the end of a run when <see cref="NotifyDecision"/> says so, and
/// records what it told in shaman.json, so the next run does not tell it again. Its failure is a warning: the run's
/// own result (and exit status) stands.</summary>
public sealed class FailureNotifier(string? program, IReadOnlyDictionary<string, string> configured, string profileDirectory, ProfileState state, ProgramRunner programs,
    ShamanLog log, TimeProvider time)
{
    public async Task NotifyIfDueAsync(FailureSet failing, CancellationToken ct)
    {
        if (program is null) return;
        var now = time.GetUtcNow();
        if (NotifyDecision.Decide(state.Notified, state.NotifiedAt, failing, now) is not { } notification) return;
        var environment = new Dictionary<string, string>
        {
            ["CONCORDE_EVENT"] = notification.EventName,
            ["CONCORDE_PROFILE"] = profileDirectory,
            ["CONCORDE_FAILED_DOMAINS"] = string.Join(' ', notification.Failing.AllDomains),
            ["CONCORDE_DEPLOY_FAILED_DOMAINS"] = string.Join(' ', notification.Failing.DeployDomains),
            ["CONCORDE_RECOVERED_DOMAINS"] = string.Join(' ', notification.Recovered),
        };
        var summary = string.Concat(log.Summary().Select(line => line + "\n"));
        try
        {
            await programs.RunAsync(program, "notify", summary, configured, environment, ct);
        }
        catch (ProgramFailedException e)
        {
            log.Warning($"{e.Message}; the {notification.EventName} is notified again on the next run");
            return;
        }
        try
        {
            await state.RecordNotifiedAsync(notification.Failing, now, CancellationToken.None);
        }
        catch (Exception e) when (ExpectedFailure.IsFileProblem(e))
        {
            log.Warning($"notified a {notification.EventName}, but cannot record it: {e.Message}; the next run may notify it again");
            return;
        }
        log.Info($"notified a {notification.EventName} with {program}");
    }
}
