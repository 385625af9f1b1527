using System.Text.Json.Nodes;

namespace Concorde.Shaman;

/// <summary>The state shaman keeps at the top of shaman.json: the account key file, the account, and the CA the
/// account belongs to. The only code that knows these field names; per-domain state is <see cref="DomainState"/>.</summary>
public sealed class ProfileState(ProfileDocument document)
{
    private const string KeyField = "key";
    private const string AccountField = "account_id";
    /// <summary>The directory URL the account was registered at; the Python tool did not record it.</summary>
    private const string AccountServerField = "account_server";

    public static readonly IReadOnlyList<string> Fields = [KeyField, AccountField, AccountServerField];

    /// <summary>Refuses state fields of the wrong type before anything runs (<see cref="ProfileSettings.Parse"/>).</summary>
    internal static void Validate(JsonObject root)
    {
        ProfileSettings.OptionalString(root, KeyField);
        ProfileSettings.OptionalUrl(root, AccountField);
    }

    /// <summary>The account key file, relative to the profile directory; null until shaman created or adopted one.</summary>
    public string? KeyFile => document.Get(KeyField);
    public string? AccountId => document.Get(AccountField);
    /// <summary><see cref="Validate"/> refused anything but an absolute URL before the run began.</summary>
    public Uri? AccountUrl => AccountId is { } id ? new Uri(id, UriKind.Absolute) : null;
    public string? AccountServer => document.Get(AccountServerField);

    public DomainState Domain(string name) => new(document, name);

    /// <summary>Written with the next save: the next run adopts the file anyway (<see cref="KeyStore"/>).</summary>
    public Task RecordKeyLaterAsync(string keyFile, CancellationToken ct) => document.SetLaterAsync(KeyField, keyFile, ct);

    public Task RecordAccountAsync(Uri account, Uri server, CancellationToken ct) =>
        document.UpdateAllAsync(root =>
        {
            root[AccountField] = account.AbsoluteUri;
            root[AccountServerField] = server.AbsoluteUri;
        }, ct);

    /// <summary>For a profile whose account is known to be the current server's but did not say so yet.</summary>
    public Task RecordAccountServerLaterAsync(Uri server, CancellationToken ct) =>
        document.SetLaterAsync(AccountServerField, server.AbsoluteUri, ct);

    /// <summary>Forgets the account and, for every domain, what belonged to the old CA, in one write. Keys are kept:
    /// they belong to the administrator, not to a CA.</summary>
    public Task ForgetCaStateAsync(IEnumerable<string> domains, CancellationToken ct) =>
        document.UpdateAllAsync(root =>
        {
            root.Remove(AccountField);
            root.Remove(AccountServerField);
            foreach (var domain in domains)
                if (root["domains"]?[domain] is JsonObject state)
                    DomainState.ForgetCaState(state);
        }, ct);
}
