using Concorde.Acme.Crypto;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;

namespace Concorde.Cli;

/// <summary>Challenges (RFC 8555 §7.5.1, §8): `reg ... challenge <challenge_id> ...`.</summary>
internal static class ChallengeCommands
{
    public static Task<int> StatusAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        var url = ChallengeUrl(args);
        return context.PrintAsync(target, "Challenge", (s, ct) => s.Client.GetChallengeAsync(s.Account, url, ct));
    }

    /// <summary>What to publish. The key authorization (§8.1) always; for http-01 the URL to serve it at
    /// (§8.3), for dns-01 the TXT record (§8.4), for dns-account-01 the TXT record at the account's label, for tls-alpn-01 the acmeIdentifier digest (RFC 8737 §3).
    /// Names need the identifier, which only the authorization holds: it is found through the challenge's
    /// `Link: rel="up"` (§7.5.1), or taken from the authorization given with --authz.</summary>
    public static async Task<int> AuthorizeAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        var challengeUrl = ChallengeUrl(args);
        var authorizationUrl = args.Option("--authz") is { } text ? OperandParser.Url(args, text, "--authz <authz_id>") : null;
        using var session = await context.ConnectAsync(target);
        var (challenge, identifier) = authorizationUrl is null
            ? await FromChallengeAsync(session, challengeUrl, context.Cancellation)
            : await FromAuthorizationAsync(session, authorizationUrl, challengeUrl, context.Cancellation);
        var token = challenge.Token ?? throw new CommandFailedException(
            $"challenge {challengeUrl} of type {challenge.Type} has no token; concorde answers http-01, dns-01, dns-account-01 and tls-alpn-01");
        var keyAuthorization = KeyAuthorization.For(token, session.Key);

        var printer = context.Printer;
        printer.Line($"Key authorization: {keyAuthorization}");
        switch (challenge.Type)
        {
            case Challenge.Http01 when identifier is not null:
                var host = identifier.Type == Identifier.Ip && identifier.Value.Contains(':') ? $"[{identifier.Value}]" : identifier.Value;
                printer.Line($"HTTP URL: http://{host}/.well-known/acme-challenge/{token}");
                break;
            case Challenge.Http01:
                printer.Line($"HTTP path: /.well-known/acme-challenge/{token}");
                break;
            case Challenge.Dns01:
                if (identifier is not null)
                    printer.Line($"TXT record name: {KeyAuthorization.Dns01RecordName(identifier.Value)}");
                else
                    printer.Note("the server does not link the challenge to its authorization: the TXT record name is " +
                                 "_acme-challenge.<domain> (or pass --authz <authz_id> to have it printed)");
                printer.Line($"TXT record value: {KeyAuthorization.Dns01TxtValue(keyAuthorization)}");
                break;
            case Challenge.DnsAccount01:
                var label = DnsAccountLabel.For(session.Account.AccountUrl);
                if (identifier is not null)
                    printer.Line($"TXT record name: {KeyAuthorization.DnsAccount01RecordName(identifier.Value, session.Account.AccountUrl)}");
                else
                    printer.Note($"the server does not link the challenge to its authorization: the TXT record name is " +
                                 $"_{label}._acme-challenge.<domain> (or pass --authz <authz_id> to have it printed)");
                printer.Line($"TXT record value: {KeyAuthorization.Dns01TxtValue(keyAuthorization)}");
                break;
            case Challenge.TlsAlpn01:
                printer.Line($"acmeIdentifier (SHA-256, hex): {Convert.ToHexStringLower(KeyAuthorization.TlsAlpn01Digest(keyAuthorization))}");
                break;
        }
        return ExitCodes.Success;
    }

    private static async Task<(Challenge Challenge, Identifier? Identifier)> FromChallengeAsync(ServerSession session, Uri challengeUrl,
        CancellationToken ct)
    {
        var (challenge, up) = await session.Client.GetChallengeAndAuthorizationUrlAsync(session.Account, challengeUrl, ct);
        if (up is null || challenge.Value.Type is not (Challenge.Http01 or Challenge.Dns01 or Challenge.DnsAccount01)) return (challenge.Value, null);
        var authorization = await session.Client.GetAuthorizationAsync(session.Account, up, ct);
        return (challenge.Value, authorization.Value.Identifier);
    }

    /// <summary>The authorization lists its challenges in full (§7.1.4), tokens included.</summary>
    private static async Task<(Challenge Challenge, Identifier? Identifier)> FromAuthorizationAsync(ServerSession session,
        Uri authorizationUrl, Uri challengeUrl, CancellationToken ct)
    {
        var authorization = await session.Client.GetAuthorizationAsync(session.Account, authorizationUrl, ct);
        var challenge = authorization.Value.Challenges.FirstOrDefault(c => c.Url == challengeUrl)
                        ?? throw new CommandFailedException($"{challengeUrl} is not a challenge of the authorization {authorizationUrl}");
        return (challenge, authorization.Value.Identifier);
    }

    /// <summary>Responds (§7.5.1: POST {}) unless the server already decided or is validating, then waits for
    /// the verdict. A failed challenge is printed with its error and exits 1 with the server's problem.</summary>
    public static Task<int> ValidateAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        var url = ChallengeUrl(args);
        return context.PrintAsync(target, "Challenge", async (s, ct) =>
        {
            var challenge = await s.Client.GetChallengeAsync(s.Account, url, ct);
            if (challenge.Value.Status == AcmeStatus.Pending)
                challenge = await s.Client.RespondToChallengeAsync(s.Account, url, ct);
            try
            {
                return await s.Client.WaitForChallengeAsync(s.Account, challenge, ct);
            }
            catch (AcmeProblemException e) when (e.RecordedOnResource)
            {
                // The challenge itself failed (not the request): show it as the server recorded it, then the problem.
                var failed = await s.Client.GetChallengeAsync(s.Account, url, ct);
                context.Printer.Resource("Challenge", failed.Location, failed.Json);
                throw;
            }
        });
    }

    private static Uri ChallengeUrl(LeafArguments args) =>
        OperandParser.Url(args, args.Exactly("<challenge_id>")[0], "<challenge_id>");
}
