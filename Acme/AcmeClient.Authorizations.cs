using Concorde.Acme.Http;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;

namespace Concorde.Acme;

/// <summary>Authorizations and challenges (RFC 8555 §7.5).</summary>
public sealed partial class AcmeClient
{
    public Task<AcmeResource<Authorization>> GetAuthorizationAsync(AcmeAccountKey account, Uri authorizationUrl, CancellationToken ct) =>
        PostForResourceAsync(authorizationUrl, account, PostAsGet, AcmeJsonContext.Default.Authorization, ct);

    /// <summary>§7.5.2: gives up an authorization, e.g. after the domain changed hands.</summary>
    public Task<AcmeResource<Authorization>> DeactivateAuthorizationAsync(AcmeAccountKey account, Uri authorizationUrl, CancellationToken ct) =>
        PostForResourceAsync(authorizationUrl, account, Json(new StatusPayload("deactivated"), AcmeJsonContext.Default.StatusPayload),
            AcmeJsonContext.Default.Authorization, ct);

    public Task<AcmeResource<Challenge>> GetChallengeAsync(AcmeAccountKey account, Uri challengeUrl, CancellationToken ct) =>
        PostForResourceAsync(challengeUrl, account, PostAsGet, AcmeJsonContext.Default.Challenge, ct);

    /// <summary>Fetches a challenge and the URL of the authorization it belongs to, which RFC 8555 §7.5.1 shows
    /// the server giving as `Link: &lt;authorization&gt;;rel="up"`; null when the server sends no such link.
    /// The challenge alone does not name its identifier (needed e.g. for the dns-01 record name).</summary>
    public async Task<(AcmeResource<Challenge> Challenge, Uri? Authorization)> GetChallengeAndAuthorizationUrlAsync(
        AcmeAccountKey account, Uri challengeUrl, CancellationToken ct)
    {
        var response = await PostAsync(challengeUrl, account, PostAsGet, ct);
        var up = LinkHeader.Find(response.Headers, "up", challengeUrl);
        return (response.ToResource(AcmeJsonContext.Default.Challenge), up.Count > 0 ? up[0] : null);
    }

    /// <summary>§7.5.1: the client says it is ready by POSTing an empty JSON object to the challenge. A server that
    /// refuses because the challenge is no longer pending (Pebble: malformed) has already got an earlier response,
    /// e.g. one whose answer was lost on the way; the challenge as it is now is returned.</summary>
    public async Task<AcmeResource<Challenge>> RespondToChallengeAsync(AcmeAccountKey account, Uri challengeUrl, CancellationToken ct)
    {
        try
        {
            return await PostForResourceAsync(challengeUrl, account, "{}"u8.ToArray(), AcmeJsonContext.Default.Challenge, ct);
        }
        catch (AcmeProblemException)
        {
            var current = await GetChallengeAsync(account, challengeUrl, ct);
            if (current.Value.Status != AcmeStatus.Pending) return current;
            throw;
        }
    }

    /// <summary>Polls the challenge until the server has decided. An invalid challenge raises the problem the
    /// server recorded on it (§7.1.5 "error"), so the caller learns why validation failed.</summary>
    public async Task<AcmeResource<Challenge>> WaitForChallengeAsync(AcmeAccountKey account, AcmeResource<Challenge> challenge, CancellationToken ct)
    {
        var result = await PollAsync(challenge, c => c.Status is AcmeStatus.Pending or AcmeStatus.Processing,
            () => GetChallengeAsync(account, challenge.Location, ct), $"validation of challenge {challenge.Location}", ct);
        if (result.Value.Status != AcmeStatus.Valid)
            throw AcmeProblemException.RecordedOn(result.Location,
                result.Value.Error ?? new Problem { Detail = $"the challenge became {AcmeStatusConverter.Name(result.Value.Status)}" });
        return result;
    }

    /// <summary>Polls the authorization until it is no longer pending. An invalid authorization raises the
    /// error of its failed challenge.</summary>
    public async Task<AcmeResource<Authorization>> WaitForAuthorizationAsync(AcmeAccountKey account, AcmeResource<Authorization> authorization, CancellationToken ct)
    {
        var result = await PollAsync(authorization, a => a.Status == AcmeStatus.Pending,
            () => GetAuthorizationAsync(account, authorization.Location, ct), $"validation of {authorization.Value.Identifier.Value}", ct);
        if (result.Value.Status != AcmeStatus.Valid)
        {
            var error = result.Value.Challenges.Select(c => c.Error).FirstOrDefault(e => e is not null)
                        ?? new Problem { Detail = $"the authorization became {AcmeStatusConverter.Name(result.Value.Status)}" };
            throw AcmeProblemException.RecordedOn(result.Location, error with { Identifier = error.Identifier ?? result.Value.Identifier });
        }
        return result;
    }
}
