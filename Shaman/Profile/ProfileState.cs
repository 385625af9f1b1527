using System.Text.Json.Nodes;
using Concorde.Acme.Problems;

namespace Concorde.Shaman;

/// <summary>The state shaman keeps at the top of shaman.json: the account key file, the account, and the CA the
/// account belongs to. The only code that knows these field names; per-domain state is <see cref="DomainState"/>.</summary>
public sealed class ProfileState(ProfileDocument document)
{
    private const string KeyField = "key";
    private const string AccountField = "account_id";
    /// <summary>The directory URL the account was registered at; the Python tool did not record it.</summary>
    private const string AccountServerField = "account_server";
    private const string NotifiedFailedDomainsField = "notifiedFailedDomains";
    private const string NotifiedDeployFailedDomainsField = "notifiedDeployFailedDomains";
    private const string NotifiedRunErrorField = "notifiedRunError";
    private const string NotifiedAtField = "notifiedAt";

    public static readonly IReadOnlyList<string> Fields =
        [KeyField, AccountField, AccountServerField, .. FailureFields.Run.Names,
         NotifiedFailedDomainsField, NotifiedDeployFailedDomainsField, NotifiedRunErrorField, NotifiedAtField];

    /// <summary>Refuses state fields of the wrong type before anything runs (<see cref="ProfileSettings.Parse"/>).</summary>
    internal static void Validate(JsonObject root)
    {
        JsonFields.OptionalString(root, KeyField);
        JsonFields.OptionalUrl(root, AccountField);
        FailureFields.Run.Validate(root);
        JsonFields.StringList(root[NotifiedFailedDomainsField], $"\"{NotifiedFailedDomainsField}\"");
        JsonFields.StringList(root[NotifiedDeployFailedDomainsField], $"\"{NotifiedDeployFailedDomainsField}\"");
        JsonFields.OptionalString(root, NotifiedRunErrorField);
        JsonFields.OptionalString(root, NotifiedAtField);
    }

    /// <summary>The account key file, relative to the profile directory; null until shaman created or adopted one.</summary>
    public string? KeyFile => document.Get(KeyField);
    public string? AccountId => document.Get(AccountField);
    /// <summary><see cref="Validate"/> refused anything but an absolute URL before the run began.</summary>
    public Uri? AccountUrl => AccountId is { } id ? new Uri(id, UriKind.Absolute) : null;
    public string? AccountServer => document.Get(AccountServerField);

    /// <summary>Runs in a row that failed for a reason that is not one domain's (the CA unreachable, the account refused):
    /// recorded once for the profile, behind the same backoff as a domain's failures.</summary>
    public FailureRecord RunFailure => FailureFields.Run.Read(document.GetNode);

    public Task RecordRunFailureAsync(string error, DateTimeOffset now, DateTimeOffset? caRetryAt, CancellationToken ct) =>
        document.UpdateTopAsync(root => FailureFields.Run.Record(root, FailureFields.Run.Read(f => root[f]), error, now, caRetryAt), ct);

    /// <summary>A run that reached the CA forgets earlier run-level failures; one that had none writes nothing.</summary>
    public Task ClearRunFailureAsync(CancellationToken ct) =>
        FailureFields.Run.IsRecorded(document.GetNode)
            ? document.UpdateTopAsync(FailureFields.Run.Clear, ct)
            : Task.CompletedTask;

    /// <summary>What the last notification told (<see cref="NotifyDecision"/>): the domains then failing and the
    /// run-level error, if any. Empty and null once a recovery was notified.</summary>
    public FailureSet Notified => new(
        JsonFields.StringList(document.GetNode(NotifiedFailedDomainsField), $"\"{NotifiedFailedDomainsField}\""),
        document.Get(NotifiedRunErrorField),
        JsonFields.StringList(document.GetNode(NotifiedDeployFailedDomainsField), $"\"{NotifiedDeployFailedDomainsField}\""));

    public DateTimeOffset? NotifiedAt => DomainState.ParseTime(document.Get(NotifiedAtField));

    /// <summary>Records a notification that reached its program; a recovery leaves no fields behind.</summary>
    public Task RecordNotifiedAsync(FailureSet failing, DateTimeOffset now, CancellationToken ct) =>
        document.UpdateTopAsync(root =>
        {
            root.Remove(NotifiedFailedDomainsField);
            root.Remove(NotifiedDeployFailedDomainsField);
            root.Remove(NotifiedRunErrorField);
            root.Remove(NotifiedAtField);
            if (failing.IsEmpty) return;
            root[NotifiedFailedDomainsField] = new JsonArray(failing.Domains.Select(d => (JsonNode?)d).ToArray());
            if (failing.DeployDomains.Count > 0)
                root[NotifiedDeployFailedDomainsField] = new JsonArray(failing.DeployDomains.Select(d => (JsonNode?)d).ToArray());
            if (failing.RunError is { } error) root[NotifiedRunErrorField] = ServerText.Line(error);
            root[NotifiedAtField] = DomainState.FormatTime(now);
        }, ct);

    public DomainState Domain(string name) => new(document, name);

    /// <summary>Written with the next save: the next run adopts the file anyway (<see cref="KeyStore"/>).</summary>
    public Task RecordKeyLaterAsync(string keyFile, CancellationToken ct) => document.SetLaterAsync(KeyField, keyFile, ct);

    public Task RecordAccountAsync(Uri account, Uri server, CancellationToken ct) =>
        document.UpdateTopAsync(root =>
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
