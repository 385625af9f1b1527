namespace Concorde.Shaman;

/// <summary>Where a domain stands in shaman's state, without asking the CA.</summary>
public enum DomainStage
{
    NoKey,
    NoOrder,
    Order,
    Certificate,
}

/// <summary>What shaman knows about a domain without asking the CA, and what a run would do with it. Serves
/// `--status` and `--dry-run`: both read files only and change nothing.</summary>
public sealed record DomainPlan
{
    public required string Name { get; init; }
    public required IReadOnlyList<string> Names { get; init; }
    public required DomainStage Stage { get; init; }
    public string? OrderUrl { get; init; }
    public string? CertificateUrl { get; init; }
    public DateTimeOffset? NotBefore { get; init; }
    public DateTimeOffset? NotAfter { get; init; }
    public DateTimeOffset? RenewAt { get; init; }
    public string? RenewalReason { get; init; }
    public int Failures { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? BackoffUntil { get; init; }
    /// <summary>The certificate is in place and not due: the next run renews nothing, though it may ask the CA
    /// for renewal information.</summary>
    public bool Current { get; init; }
    /// <summary>The deploy hook failed after the certificate file last changed: the next run runs it again.</summary>
    public bool DeployPending { get; init; }
    /// <summary>The endpoints of `verify` ("host:port"), empty without.</summary>
    public IReadOnlyList<string> Verify { get; init; } = [];
    /// <summary>Whether the last check of <see cref="Verify"/> saw the certificate served; null when none was made.</summary>
    public bool? ServedOk { get; init; }
    /// <summary>What the next run would do, in a sentence.</summary>
    public required string Action { get; init; }
    /// <summary>Why the next run would fail this domain before asking the CA (no authenticator can run for a new
    /// order); null when nothing stops it.</summary>
    public string? Error { get; init; }

    /// <summary>The stage as `--status` prints it: "no key", "no order", "order", "certificate".</summary>
    public static string Describe(DomainStage stage) => stage switch
    {
        DomainStage.NoKey => "no key",
        DomainStage.NoOrder => "no order",
        DomainStage.Order => "order",
        _ => "certificate",
    };

    /// <summary>Why this domain needs an administrator's look, empty when it needs none: it fails or backs off, has no
    /// usable certificate or is past its renewal time, owes its deploy program a run, is not served by its `verify`
    /// endpoints, or cannot be ordered. The one answer behind the exit status of `--status` and `--dry-run`.</summary>
    public IReadOnlyList<string> Attention(DateTimeOffset now)
    {
        var reasons = new List<string>();
        if (Error is { } error) reasons.Add($"would fail before ordering: {error}");
        if (Failures > 0)
            reasons.Add(BackoffUntil is { } until ? $"backing off after {FailureBackoff.Attempts(Failures)} until {until:yyyy-MM-dd HH:mm} UTC" : $"failing ({FailureBackoff.Attempts(Failures)})");
        if (NotAfter is not { } notAfter) reasons.Add("no usable certificate");
        else if (notAfter <= now) reasons.Add($"expired {notAfter:yyyy-MM-dd HH:mm} UTC");
        else if (RenewAt <= now) reasons.Add($"past its renewal time {RenewAt:yyyy-MM-dd HH:mm} UTC");
        if (DeployPending) reasons.Add("deploy pending");
        if (Verify.Count > 0 && ServedOk == false) reasons.Add($"not served by {string.Join(", ", Verify)}");
        return reasons;
    }

    /// <param name="resolveProgram">Finds a program (<see cref="ProgramRunner.Resolve(string)"/>), to tell whether an
    /// authenticator can run; null where only the certificate's facts matter (metrics).</param>
    public static async Task<DomainPlan> ForAsync(DomainSettings domain, ProfileSettings settings, ProfileDocument document,
        DateTimeOffset now, bool force, Func<string, string?>? resolveProgram, CancellationToken ct)
    {
        var record = new DomainState(document, domain.Name).Snapshot();
        // An unrecorded key at the default name is what a run adopts (KeyStore), and with it the certificate beside it.
        var keyPath = document.ResolvePath(record.KeyFile ?? domain.KeyFileName);
        if (record.KeyFile is null && !File.Exists(keyPath)) keyPath = null;
        var keyInfo = keyPath is null ? null : await DomainFiles.ReadKeyPublicInfoAsync(keyPath, ct);
        var (certificate, problem) = await DomainFiles.ReadCertificateAsync(document.ResolvePath(domain.CertificateFileName), ct);
        var verdict = RenewalCheck.Evaluate(certificate, problem, keyInfo, domain.Identifiers, settings.RenewalDays, record.RenewalInfo, now);
        var timing = verdict.Timing;
        var step = DomainDecision.Decide(record, verdict, now, new DecisionOptions(
            Force: force, HasDeployProgram: domain.Effective.Deploy is not null, HasVerify: domain.Effective.Verify.Count > 0));

        var plan = new DomainPlan
        {
            Name = domain.Name,
            Names = domain.Identifiers.Select(i => i.Value).ToList(),
            Stage = keyPath is null ? DomainStage.NoKey
                : record.OrderId is not null ? DomainStage.Order
                : record.CertificateId is not null ? DomainStage.Certificate
                : DomainStage.NoOrder,
            OrderUrl = record.OrderId,
            CertificateUrl = record.CertificateId,
            NotBefore = timing is null ? null : verdict.Certificate!.NotBefore,
            NotAfter = timing is null ? null : verdict.Certificate!.NotAfter,
            RenewAt = timing?.RenewAt,
            RenewalReason = timing?.Reason,
            Failures = record.Failure.Failures,
            LastError = record.Failure.LastError,
            BackoffUntil = record.Failure.HoldsBack(now) ? record.Failure.BackoffUntil : null,
            // An adopted certificate (none recorded) is as current as a recorded one, unless the run replaces it.
            Current = record.OrderId is null && verdict.Standing == CertificateStanding.Current &&
                      (record.CertificateId is not null || step.Kind is not (StepKind.NewOrder or StepKind.Renew or StepKind.ReplaceKey)),
            // Without a deploy program the run just forgets the flag.
            DeployPending = record.DeployPending && domain.Effective.Deploy is not null,
            Verify = domain.Effective.Verify.Select(e => e.ToString()).ToList(),
            ServedOk = record.ServedOk,
            Action = "",
        };
        var orders = step.Kind is StepKind.NewOrder or StepKind.Renew or StepKind.ReplaceKey;
        var error = orders && resolveProgram is not null ? AuthenticatorAvailability.Problem(domain, settings, resolveProgram) : null;
        return error is null
            ? plan with { Action = Describe(step, plan, domain, verdict) }
            : plan with { Action = $"fail before ordering: {error}", Error = error };
    }

    /// <summary>The step in a sentence, as `--status` and `--dry-run` print it.</summary>
    private static string Describe(DomainStep step, DomainPlan plan, DomainSettings domain, RenewalVerdict verdict)
    {
        var prefix = plan.Stage == DomainStage.NoKey ? $"create the key {domain.KeyFileName}, then " : "";
        var verify = plan.Verify.Count == 0 ? "" : $", then verify that {string.Join(", ", plan.Verify)} serve{(plan.Verify.Count == 1 ? "s" : "")} it";
        var deploy = step.Deploy ? DescribeDeploy(plan) : "";
        return step.Kind switch
        {
            StepKind.Wait => deploy + $"skip: {step.Reason}, waiting until {step.WaitUntil:yyyy-MM-dd HH:mm} UTC (--force to try now)",
            StepKind.ContinueOrder => prefix + $"continue order {plan.OrderUrl}" + verify,
            StepKind.NewOrder => prefix + $"order a certificate for {string.Join(", ", plan.Names)}" + verify,
            StepKind.FetchCertificate => prefix + $"fetch certificate {plan.CertificateUrl} from the CA (the file {verdict.Problem}), and order a new one if the CA's copy has the same problem" + verify,
            StepKind.Renew => $"renew: {step.Reason}" + verify,
            StepKind.ReplaceKey => $"make a new P-384 key (the old one kept beside it), then order a certificate for {string.Join(", ", plan.Names)}: {step.Reason}" + verify,
            StepKind.AskAri when verdict.Timing!.Renew => deploy + $"ask the CA for renewal information (ARI), then renew unless it moves the renewal later: {step.Reason}",
            StepKind.AskAri => deploy + $"ask the CA for renewal information (ARI), then renew only if it says so; until then {step.Reason}",
            _ => deploy + $"do nothing: {step.Reason}",
        };
    }

    /// <summary>What the next run does for the certificate already on disk, as "…, then ".</summary>
    private static string DescribeDeploy(DomainPlan plan)
    {
        var deploy = plan.DeployPending ? "run the deploy hook again (it failed after the last certificate change), then " : "";
        if (plan.Verify.Count > 0 && (plan.DeployPending || plan.ServedOk != true))
            deploy += $"verify that {string.Join(", ", plan.Verify)} serve{(plan.Verify.Count == 1 ? "s" : "")} the certificate " +
                      $"({(plan.ServedOk is null ? "not checked yet" : plan.DeployPending ? "after the deploy" : "the last check failed")}), then ";
        return deploy;
    }
}
