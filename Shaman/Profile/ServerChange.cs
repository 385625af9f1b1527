namespace Concorde.Shaman;

/// <summary>Notices that `server` now names another CA than the one the account was registered with — typically
/// staging replaced by production, as the README advises — and forgets everything that belonged to the old CA:
/// the account, orders and certificates, so this run registers at the new CA and orders every certificate there.
/// Without this, a staging certificate (trusted by nobody) would stay in place until it is due for renewal.
/// Keys are kept: they belong to the administrator, not to a CA.</summary>
public static class ServerChange
{
    /// <summary>The CA the recorded account belongs to, when it differs from <paramref name="settings"/>: the recorded
    /// `account_server`, or — for a profile that has none yet (the Python tool's, an older concorde's) — the origin of
    /// `account_id` when it is not the origin of `server` (an upgrade and a switch to production in one step).</summary>
    public static string? PreviousServer(ProfileState state, ProfileSettings settings)
    {
        if (state.AccountId is not { } accountId) return null;
        if (state.AccountServer is { } recorded) return Same(recorded, settings.Server) ? null : recorded;
        return Uri.TryCreate(accountId, UriKind.Absolute, out var account)
               && !string.Equals(Origin(account), Origin(settings.Server), StringComparison.Ordinal)
            ? Origin(account)
            : null;
    }

    public static async Task ApplyAsync(ProfileState state, ProfileSettings settings, ShamanLog log, CancellationToken ct)
    {
        if (state.AccountId is null) return;
        if (PreviousServer(state, settings) is not { } previous)
        {
            // The account is the current server's; a profile that did not say so yet records it with its next save.
            if (state.AccountServer is null) await state.RecordAccountServerLaterAsync(settings.Server, ct);
            return;
        }
        log.Warning($"\"server\" changed from {previous} to {settings.Server}: the account, orders and certificates of the old CA " +
                    "are not valid at the new one; registering there and ordering every certificate anew (keys are kept)");
        await state.ForgetCaStateAsync(settings.Domains.Select(d => d.Name), ct);
    }

    private static string Origin(Uri url) => url.GetLeftPart(UriPartial.Authority);

    private static bool Same(string recorded, Uri server) =>
        Uri.TryCreate(recorded, UriKind.Absolute, out var url)
        && string.Equals(url.AbsoluteUri.TrimEnd('/'), server.AbsoluteUri.TrimEnd('/'), StringComparison.Ordinal);
}
