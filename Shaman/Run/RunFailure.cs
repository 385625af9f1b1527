using Concorde.Acme;
using Concorde.Acme.Problems;

namespace Concorde.Shaman;

/// <summary>A failure that is not one domain's: the CA cannot be reached, or it refuses the account. Every domain
/// would fail the same way, so the run reports it once, stops asking the CA and records it at profile level
/// (<see cref="ProfileState.RecordRunFailureAsync"/>) instead of charging each domain's backoff.</summary>
public sealed class RunFailure : ExpectedFailure
{
    private RunFailure(string scope, string message, TimeSpan? retryAfter, Exception? inner) : base($"{scope}: {message}", inner) =>
        RetryAfter = retryAfter;

    /// <summary>How long the CA asked to wait (HTTP Retry-After), if it did.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The directory could not be read: unreachable, a TLS error, not an ACME server.</summary>
    public static RunFailure Server(AcmeException e) =>
        new("server", $"cannot use the CA: {e.Message}", (e as AcmeProblemException)?.RetryAfter, e);

    /// <summary>The CA refused to register or use the account (key refused, EAB refused, terms to accept...).</summary>
    public static RunFailure Account(AcmeException e) =>
        new("account", $"the CA refused the account: {e.Message}", (e as AcmeProblemException)?.RetryAfter, e);

    /// <summary>The CA requires an external account binding (its directory says so, RFC 8555 §7.3.4) and shaman.json has
    /// no "eab": no domain can get an account until the administrator adds it.</summary>
    public static RunFailure ExternalAccountRequired() =>
        new("account", $"the CA requires an external account binding; add \"eab\": {{\"kid\": \"...\", \"hmacKey\": \"...\"}} " +
                       $"with the values from the CA to {ProfileSettings.FileName}", null, null);

    /// <summary>The account is deactivated (or revoked) at the CA: RFC 8555 §7.3.6 "the server MUST NOT accept
    /// further requests authorized by that account's key", so it can never be used again, and the key cannot
    /// register a new one either. <paramref name="how"/> says how the CA told (its status, or its refusal to show
    /// the account).</summary>
    public static RunFailure AccountUnusable(Uri account, string how, string keyFile, AcmeException? inner) =>
        new("account", $"the CA no longer accepts account {account} ({how}); it cannot be reactivated, and its key cannot " +
                       $"register another. To start a new account: move the account key {keyFile} away and remove \"key\" and " +
                       $"\"account_id\" from {ProfileSettings.FileName}; the next run creates a new key and account",
            (inner as AcmeProblemException)?.RetryAfter, inner);

    /// <summary>Answers about the account rather than the domain's order: RFC 8555 §6.7 accountDoesNotExist (seen
    /// only after the one re-registration attempt has been made) and userActionRequired ("visit the instance URL
    /// and take actions specified there", e.g. new terms of service).</summary>
    public static bool IsAboutAccount(AcmeProblemException e) =>
        e.Kind is ProblemKind.AccountDoesNotExist or ProblemKind.UserActionRequired;
}
