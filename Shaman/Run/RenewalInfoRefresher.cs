using Concorde.Acme;
using Concorde.Acme.Problems;

namespace Concorde.Shaman;

/// <summary>Asks the CA when to renew (RFC 9773) and records the window, a moment chosen in it and when to ask again.
/// Optional: a CA without ARI is asked again in a day, and one that cannot be reached (its directory included) in an
/// hour, leaving the certificate to the recorded window or the fallback rule — a current certificate never fails for it.</summary>
public sealed class RenewalInfoRefresher(DomainSettings domain, ShamanContext context, DomainState state)
{
    /// <summary>After the CA answered (or failed to): the next check counts from then.</summary>
    private DateTimeOffset Now => context.Time.GetUtcNow();

    public async Task RefreshAsync(CertificateFacts certificate, CancellationToken ct)
    {
        var previous = state.RenewalInfo?.Schedule;
        try
        {
            var client = await context.Session.ClientAsync(domain.Name, ct);
            if (!client.SupportsRenewalInfo || certificate.AriCertificateId is not { } certificateId)
            {
                await state.RecordRenewalInfoAsync(new RenewalInfoRecord(null, Now + AriRecheck.WithoutAri), ct);
                return;
            }
            var info = await client.GetRenewalInfoAsync(certificateId, ct);
            var window = info.Value.SuggestedWindow;
            var schedule = AriSchedule.Choose(window.Start, window.End, previous, context.Random);
            await state.RecordRenewalInfoAsync(new RenewalInfoRecord(schedule, Now + AriRecheck.After(info.RetryAfter)), ct);
            if (schedule != previous)
                context.Log.Info($"{domain.Name}: the CA suggests renewing between {window.Start:yyyy-MM-dd HH:mm} and {window.End:yyyy-MM-dd HH:mm} UTC; " +
                                 $"planned for {schedule.RenewAt:yyyy-MM-dd HH:mm} UTC" +
                                 (info.Value.ExplanationUrl is { } why ? $" ({why})" : ""));
        }
        catch (AcmeException e)
        {
            context.Log.Warning($"{domain.Name}: renewal information (ARI) unavailable: {e.Message}; asking again in an hour");
            await state.RecordRenewalInfoAsync(new RenewalInfoRecord(previous, Now + AriRecheck.AfterError), ct);
        }
    }
}
