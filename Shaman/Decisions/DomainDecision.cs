namespace Concorde.Shaman;

/// <summary>What a domain's run does next.</summary>
public enum StepKind
{
    /// <summary>The certificate is current: nothing to order (a deploy may still be owed: <see cref="DomainStep.Deploy"/>).</summary>
    Nothing,
    /// <summary>A backoff holds ordering back (the domain's, or the profile's run-level one).</summary>
    Wait,
    /// <summary>The certificate is current, but its renewal information (ARI) is due for a refresh: ask the CA, then
    /// decide again.</summary>
    AskAri,
    /// <summary>The file is unusable, but the CA has the certificate: download it, then decide again.</summary>
    FetchCertificate,
    /// <summary>The certificate is due (or a renewal was asked for): forget it and record what the order replaces, then
    /// order its replacement.</summary>
    Renew,
    /// <summary>An order is next, but the domain's key is not P-384 (an adopted key of another client's): a new key
    /// replaces it (the old one kept beside), then decide again.</summary>
    ReplaceKey,
    /// <summary>No order and no certificate: order one.</summary>
    NewOrder,
    /// <summary>An order is in progress: carry it on.</summary>
    ContinueOrder,
}

/// <summary>One step and why. <paramref name="Deploy"/>: the certificate on disk owes its deploy program a run, or
/// `verify` a check — done whatever else holds the domain back. <paramref name="WaitUntil"/>: the end of the domain's
/// own backoff (<see cref="StepKind.Wait"/>; null when the profile's run-level backoff holds it).</summary>
public sealed record DomainStep(StepKind Kind, string Reason, bool Deploy, DateTimeOffset? WaitUntil = null);

/// <summary>What the run knows besides the record and the files.</summary>
/// <param name="Force">--force: no backoff holds ordering back.</param>
/// <param name="RenewNow">Order a new certificate now, whatever the schedule (--renew).</param>
/// <param name="RunHeldBack">The profile's run-level backoff holds every order back.</param>
/// <param name="HasDeployProgram">The domain has a deploy program (its own, or the profile's).</param>
/// <param name="HasVerify">The domain has `verify` endpoints.</param>
/// <param name="IssuedThisRun">A certificate was issued in this run: it is not reconsidered (a renewal window longer
/// than the lifetime would otherwise order certificates without end).</param>
public sealed record DecisionOptions(
    bool Force = false,
    bool RenewNow = false,
    bool RunHeldBack = false,
    bool HasDeployProgram = false,
    bool HasVerify = false,
    bool IssuedThisRun = false);

/// <summary>The one answer to "what will this domain do next, and why": the run executes it step by step, `--status`
/// and `--dry-run` print it. Pure: the record, the verdict on the files and the clock are parameters.</summary>
public static class DomainDecision
{
    public static DomainStep Decide(DomainRecord record, RenewalVerdict verdict, DateTimeOffset now, DecisionOptions options)
    {
        var step = Schedule(record, verdict, now, options);
        // Only P-384 keys order; another kind (adopted) served its certificate until now.
        return step.Kind == StepKind.NewOrder && verdict.KeyKind is { } kind
            ? step with { Kind = StepKind.ReplaceKey, Reason = $"{step.Reason}; the key is {kind}, and orders use a new P-384 key" }
            : step;
    }

    private static DomainStep Schedule(DomainRecord record, RenewalVerdict verdict, DateTimeOffset now, DecisionOptions options)
    {
        var deploy = OwesDeploy(record, verdict, options);
        if (options.IssuedThisRun) return new DomainStep(StepKind.Nothing, "issued in this run", deploy);
        if (options.RunHeldBack) return new DomainStep(StepKind.Wait, "the profile's run-level failure holds every order back", deploy);
        if (!options.Force && record.Failure.HoldsBack(now))
            return new DomainStep(StepKind.Wait, $"{FailureBackoff.Attempts(record.Failure.Failures)}", deploy, record.Failure.BackoffUntil);
        if (record.OrderId is { } order) return new DomainStep(StepKind.ContinueOrder, $"order {order} is in progress", deploy);
        if (record.CertificateId is not { } certificate) return Adopted(record, verdict, options, deploy);
        if (options.RenewNow) return new DomainStep(StepKind.Renew, "a renewal was asked for (--renew)", deploy);
        if (verdict.Timing is not { } timing)
            return new DomainStep(StepKind.FetchCertificate, $"certificate {certificate}: the file {verdict.Problem}", deploy);
        if (verdict.AskCa) return new DomainStep(StepKind.AskAri, timing.Reason, deploy);
        return new DomainStep(timing.Renew ? StepKind.Renew : StepKind.Nothing, timing.Reason, deploy);
    }

    /// <summary>No certificate recorded: a usable file that matches the key and names every identifier (another client's,
    /// or shaman's own after its record was lost) serves until it is due, as a recorded one does. Its renewal first
    /// records the certificate it replaces (<see cref="StepKind.Renew"/>), then orders; the same file after a renewal
    /// (`replaces` recorded, or a renewal asked for) is being replaced, not adopted again, and so is a previous CA's.</summary>
    private static DomainStep Adopted(DomainRecord record, RenewalVerdict verdict, DecisionOptions options, bool deploy)
    {
        if (verdict.Timing is not { } timing) return new DomainStep(StepKind.NewOrder, "no certificate yet", deploy);
        if (record.FromPreviousServer) return new DomainStep(StepKind.NewOrder, "the certificate on disk is the previous server's", deploy);
        // A placeholder the administrator put there for the web server to start with is replaced at once.
        if (verdict.Certificate?.SelfIssued == true) return new DomainStep(StepKind.NewOrder, "the certificate on disk is self-issued (a placeholder)", deploy);
        var ariId = verdict.Certificate?.AriCertificateId;
        var replacing = options.RenewNow || (record.Replaces is not null && record.Replaces == ariId);
        if (!replacing && verdict.AskCa) return new DomainStep(StepKind.AskAri, $"(adopted) {timing.Reason}", deploy);
        if (!replacing && !timing.Renew) return new DomainStep(StepKind.Nothing, $"(adopted) {timing.Reason}", deploy);
        var reason = options.RenewNow ? "a renewal was asked for (--renew)" : $"(adopted) {timing.Reason}";
        return ariId is not null && record.Replaces != ariId
            ? new DomainStep(StepKind.Renew, reason, deploy)
            : new DomainStep(StepKind.NewOrder, reason, deploy);
    }

    /// <summary>The certificate on disk is usable but not known to be in service: its deploy program has not succeeded
    /// for it, or `verify` has not seen it served (never checked, or the last check failed).</summary>
    private static bool OwesDeploy(DomainRecord record, RenewalVerdict verdict, DecisionOptions options) =>
        verdict.Standing != CertificateStanding.Unusable &&
        (NotInService(record, options.HasDeployProgram, options.HasVerify) || (options.HasVerify && record.ServedOk is null));

    /// <summary>The certificate on disk is known not to be in service: its deploy program has not succeeded for it, or
    /// the last check of `verify` saw an endpoint serve something else. What `--status`, the metrics and notify call a
    /// deploy failure (never checked yet is not a failure).</summary>
    public static bool NotInService(DomainRecord record, bool hasDeployProgram, bool hasVerify) =>
        (record.DeployPending && hasDeployProgram) || (record.ServedOk == false && hasVerify);
}
