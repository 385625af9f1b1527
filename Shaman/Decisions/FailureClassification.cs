using Concorde.Acme;
using Concorde.Acme.Problems;

namespace Concorde.Shaman;

/// <summary>How a failed domain is treated.</summary>
public enum FailureHandling
{
    /// <summary>The domain's own failure: recorded, and its next order backs off.</summary>
    BackOff,
    /// <summary>The certificate is in place, but its deploy step (program, `verify`) failed: reported without a backoff,
    /// since issuing again would not help.</summary>
    DeployFailed,
    /// <summary>Not the domain's: the run stopped asking the CA and reports why once (<see cref="RunFailure"/>).</summary>
    RunLevel,
    /// <summary>The CA refused the account: the run stops asking the CA and reports it once.</summary>
    AccountRefused,
    /// <summary>A refusal that may be the account's in disguise: the run asks the CA about the account before the
    /// domain is charged with it.</summary>
    AskAboutAccount,
}

/// <summary>A domain's failure as the run records and reports it: the treatment, the message (naming the domain), the
/// moment the CA asked to be asked again (Retry-After), if it did, and the CA's refusal where the account is in question.</summary>
public sealed record DomainResult(FailureHandling Handling, string Message, DateTimeOffset? CaRetryAt = null, AcmeProblemException? Refusal = null);

/// <summary>The one place that turns what stopped a domain into how the run treats it. Pure.</summary>
public static class FailureClassification
{
    /// <param name="deadlineExplanation">What the domain was waiting for when its "domainTimeout" ran out; null while
    /// it has not.</param>
    /// <param name="deploying">The domain had reached its deploy step.</param>
    /// <returns>Null for what is no domain's failure (an interruption, a bug): the caller lets it through.</returns>
    public static DomainResult? Classify(Exception failure, string domain, string? deadlineExplanation, bool deploying, DateTimeOffset now) => failure switch
    {
        OperationCanceledException when deadlineExplanation is not null =>
            new DomainResult(deploying ? FailureHandling.DeployFailed : FailureHandling.BackOff, deadlineExplanation),
        OperationCanceledException => null,
        RunFailure => new DomainResult(FailureHandling.RunLevel, failure.Message),
        AcmeProblemException refusal when RunFailure.IsAboutAccount(refusal) =>
            new DomainResult(FailureHandling.AccountRefused, refusal.Message, Refusal: refusal),
        DeployFailure => new DomainResult(FailureHandling.DeployFailed, failure.Message),
        DomainFailure or ProgramFailedException => new DomainResult(FailureHandling.BackOff, failure.Message),
        AcmeProblemException refusal => new DomainResult(FailureHandling.AskAboutAccount,
            $"{domain}: the CA refused: {refusal.Message}" + (refusal.RetryAfter is { } wait ? $" (the CA asks to wait {wait.TotalMinutes:0} minutes)" : ""),
            now + refusal.RetryAfter, refusal),
        _ when ExpectedFailure.Is(failure) => new DomainResult(FailureHandling.BackOff, $"{domain}: {failure.Message}"),
        _ => null,
    };
}
