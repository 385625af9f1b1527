using Concorde.Acme;
using Concorde.Acme.Problems;

namespace Concorde.Shaman;

/// <summary>A failure that is not one domain's: the CA cannot be reached, or it refuses the account. Every domain
/// would fail the same way, so the run reports it once, stops asking the CA and records it at profile level
/// (<see cref="ProfileState.RecordRunFailureAsync"/>) instead of charging each domain's backoff.</summary>
public sealed class RunFailure : ExpectedFailure
{
    private RunFailure(string scope, string message, TimeSpan? retryAfter, Exception inner) : base($"{scope}: {message}", inner) =>
        RetryAfter = retryAfter;

    /// <summary>How long the CA asked to wait (HTTP Retry-After), if it did.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The directory could not be read: unreachable, a TLS error, not an ACME server.</summary>
    public static RunFailure Server(AcmeException e) =>
        new("server", $"cannot use the CA: {e.Message}", (e as AcmeProblemException)?.RetryAfter, e);

    /// <summary>The CA refused to register or use the account (key refused, EAB refused, terms to accept...).</summary>
    public static RunFailure Account(AcmeException e) =>
        new("account", $"the CA refused the account: {e.Message}", (e as AcmeProblemException)?.RetryAfter, e);

    /// <summary>Answers about the account rather than the domain's order: RFC 8555 §6.7 accountDoesNotExist (seen
    /// only after the one re-registration attempt has been made) and userActionRequired ("visit the instance URL
    /// and take actions specified there", e.g. new terms of service).</summary>
    public static bool IsAboutAccount(AcmeProblemException e) =>
        e.Kind is ProblemKind.AccountDoesNotExist or ProblemKind.UserActionRequired;
}
