using Concorde.Acme;
using Concorde.Acme.Crypto;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;

namespace Concorde.Shaman;

/// <summary>Gets every authorization of an order valid: picks a challenge with an authenticator, runs it, tells the
/// server to validate, waits for the verdict, then runs the cleanup program, valid or not.</summary>
public sealed class ChallengeSolver(DomainSettings domain, ShamanContext context)
{
    /// <summary>The domain's own identifiers by their canonical text: what the CA names is matched against them, and
    /// the profile's spelling, not the CA's, is what an authenticator is told.</summary>
    private readonly Dictionary<string, Identifier> _domainIdentifiers = domain.Identifiers.ToDictionary(i => i.Canonical(), StringComparer.Ordinal);

    private string Name => domain.Name;
    private ShamanLog Log => context.Log;

    public async Task AuthorizeAsync(AcmeClient client, AcmeAccountKey account, Order order, CancellationToken ct)
    {
        foreach (var authorizationUrl in order.Authorizations)
        {
            var authorization = await client.GetAuthorizationAsync(account, authorizationUrl, ct);
            if (!Requested(authorization.Value))
                throw new DomainFailure($"{Name}: the CA asks to authorize {ServerText.Escape(Describe(authorization.Value))} " +
                                        $"({authorizationUrl}), which this domain did not request; not answered");
            switch (authorization.Value.Status)
            {
                case AcmeStatus.Valid:
                    continue;
                case AcmeStatus.Pending:
                    Log.Info($"{Name}: authorizing {Describe(authorization.Value)} ({authorizationUrl})");
                    await SatisfyAsync(client, account, authorization, ct);
                    break;
                default:
                    throw new DeadAuthorizationFailure($"{Name}: authorization for {Describe(authorization.Value)} ({authorizationUrl}) is " +
                                                       $"{AcmeStatusConverter.Name(authorization.Value.Status)} at the CA, so the order cannot be completed; " +
                                                       "the order is dropped and a new one is placed on the next run");
            }
        }
    }

    private async Task SatisfyAsync(AcmeClient client, AcmeAccountKey account, AcmeResource<Authorization> authorization, CancellationToken ct)
    {
        var persist = domain.Effective.Persist;
        var (challenge, program) = ChallengeChoice.Choose(authorization.Value, domain.Authenticators, context.Settings.Authenticators, persist is not null)
            ?? throw new DomainFailure($"{Name}: no authenticator for {Describe(authorization.Value)}; the server offers " +
                                       $"{string.Join(" or ", authorization.Value.Challenges.Select(c => c.Type))}. " +
                                       "Add one to \"authenticators\" in shaman.json");
        // Requested() matched it to one of ours: the authenticator gets the profile's spelling.
        var ours = _domainIdentifiers[Key(authorization.Value)].Value;
        var identifier = authorization.Value.Identifier with { Value = authorization.Value.Wildcard ? ours[2..] : ours };
        ChallengeRequest? request = null;
        try
        {
            if (program is null)
            {
                if (challenge.Status == AcmeStatus.Pending)
                    await client.RespondToChallengeAsync(account, challenge.Url, ct);
                Log.Info($"{Name}: validating {Describe(authorization.Value)} with {challenge.Type} (the standing record, no authenticator)");
            }
            else if (challenge.Status == AcmeStatus.Pending)
            {
                var token = challenge.Token ?? throw new DomainFailure($"{Name}: challenge {challenge.Url} has no token");
                var keyAuthorization = KeyAuthorization.For(token, context.Session.AccountKey);
                var dnsName = challenge.Type switch
                {
                    Challenge.Dns01 => KeyAuthorization.Dns01RecordName(identifier.Value),
                    Challenge.DnsAccount01 => KeyAuthorization.DnsAccount01RecordName(identifier.Value, account.AccountUrl),
                    _ => null,
                };
                request = new ChallengeRequest(identifier.Value, identifier.Type, challenge.Type, token, keyAuthorization,
                    dnsName, dnsName is null ? null : KeyAuthorization.Dns01TxtValue(keyAuthorization));
                await context.Programs.RunAsync(program, $"{Name}: {challenge.Type} authenticator", request, domain.Effective.Environment, ct);
                Log.Info($"{Name}: authenticated {Describe(authorization.Value)} with {challenge.Type}");
                await client.RespondToChallengeAsync(account, challenge.Url, ct);
                Log.Info($"{Name}: validating challenge");
            }
            try
            {
                await client.WaitForAuthorizationAsync(account, authorization, ct);
            }
            catch (AcmeProblemException e) when (e.RecordedOnResource && program is null)
            {
                throw new DomainFailure($"{Name}: validation of {identifier.Value} with {challenge.Type} failed: {e.Problem}. " +
                                        $"{PersistRecordAdvice(challenge, authorization.Value, account, persist)}; a new order starts on the next run");
            }
            catch (AcmeProblemException e) when (e.RecordedOnResource)
            {
                throw new DomainFailure($"{Name}: validation of {identifier.Value} with {challenge.Type} failed: {e.Problem}. " +
                                        "Check that the authenticator publishes the response where the CA looks; a new order starts on the next run");
            }
            Log.Info($"{Name}: {identifier.Value} is authorized");
        }
        finally
        {
            if (request is not null) await CleanupAsync(request);
        }
    }

    /// <summary>Which record the CA wants (draft-ietf-acme-dns-persist), with its exact value: any one of the CA's
    /// issuer names will do.</summary>
    private static string PersistRecordAdvice(Challenge challenge, Authorization authorization, AcmeAccountKey account, DnsPersistSetting? persist)
    {
        // Only names that are DNS names: the CA's text goes into a record the administrator publishes.
        var issuers = (challenge.IssuerDomainNames ?? []).Where(DnsPersistRecord.IsIssuerDomainName).ToList();
        var values = issuers.Select(issuer => $"\"{DnsPersistRecord.Value(issuer, account.AccountUrl, authorization.Wildcard, persist?.Until)}\"").ToList();
        if (values.Count == 0)
            return $"Create the TXT record {DnsPersistRecord.Name(authorization.Identifier.Value)}; the CA named no usable issuer domain name " +
                   "(its issuer-domain-names are missing or not DNS names), so ask the CA which name to put first in the value";
        return $"Create the TXT record {DnsPersistRecord.Name(authorization.Identifier.Value)} with {string.Join(" or ", values)}";
    }

    private async Task CleanupAsync(ChallengeRequest request)
    {
        var program = domain.Effective.Cleanup.GetValueOrDefault(request.ChallengeType);
        if (program is null) return;
        try
        {
            // Cleanup runs even when the run is being cancelled: a published record should not linger.
            await context.Programs.RunAsync(program, $"{Name}: {request.ChallengeType} cleanup", request, domain.Effective.Environment, CancellationToken.None);
        }
        catch (ProgramFailedException e)
        {
            Log.Warning(e.Message);
        }
    }

    /// <summary>An authorization is answered only for a name the domain asked for (RFC 8555 §7.1.4: a wildcard
    /// authorization carries the name without "*." and `wildcard: true`).</summary>
    private bool Requested(Authorization authorization) => _domainIdentifiers.ContainsKey(Key(authorization));

    private static string Key(Authorization authorization) =>
        (authorization.Wildcard ? authorization.Identifier with { Value = "*." + authorization.Identifier.Value } : authorization.Identifier).Canonical();

    private static string Describe(Authorization authorization) =>
        authorization.Wildcard ? "*." + authorization.Identifier.Value : authorization.Identifier.Value;
}
