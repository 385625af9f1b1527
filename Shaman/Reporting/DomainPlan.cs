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

    /// <param name="resolveProgram">Finds a program (<see cref="ProgramRunner.Resolve(string)"/>), to tell whether an
    /// authenticator can run; null where only the certificate's facts matter (metrics).</param>
    public static async Task<DomainPlan> ForAsync(DomainSettings domain, ProfileSettings settings, ProfileDocument document,
        DateTimeOffset now, bool force, Func<string, string?>? resolveProgram, CancellationToken ct)
    {
        var state = new DomainState(document, domain.Name);
        var keyPath = state.KeyFile is { } recorded ? document.ResolvePath(recorded) : null;
        var keyInfo = keyPath is null ? null : await DomainFiles.ReadKeyPublicInfoAsync(keyPath, ct);
        var (certificate, problem) = await DomainFiles.ReadCertificateAsync(document.ResolvePath(domain.CertificateFileName), ct);
        var verdict = RenewalCheck.Evaluate(certificate, problem, keyInfo, domain.Identifiers, settings.RenewalDays, state.RenewalInfo, now);
        var timing = verdict.Timing;
        var backoff = state.BackoffUntil is { } until && until > now ? until : (DateTimeOffset?)null;

        var plan = new DomainPlan
        {
            Name = domain.Name,
            Names = domain.Identifiers.Select(i => i.Value).ToList(),
            Stage = keyPath is null ? DomainStage.NoKey
                : state.OrderId is not null ? DomainStage.Order
                : state.CertificateId is not null ? DomainStage.Certificate
                : DomainStage.NoOrder,
            OrderUrl = state.OrderId,
            CertificateUrl = state.CertificateId,
            NotBefore = timing is null ? null : verdict.Certificate!.NotBefore,
            NotAfter = timing is null ? null : verdict.Certificate!.NotAfter,
            RenewAt = timing?.RenewAt,
            RenewalReason = timing?.Reason,
            Failures = state.Failures,
            LastError = state.LastError,
            BackoffUntil = backoff,
            Current = state.OrderId is null && state.CertificateId is not null && verdict.Standing == CertificateStanding.Current,
            // Without a deploy program the run just forgets the flag.
            DeployPending = state.DeployPending && (domain.Deploy ?? settings.Deploy) is not null,
            Verify = domain.VerifyEndpoints(settings).Select(e => e.ToString()).ToList(),
            ServedOk = state.ServedOk,
            Action = "",
        };
        var needsOrder = plan.OrderUrl is null && (plan.CertificateUrl is null || timing is { Renew: true });
        var error = needsOrder && resolveProgram is not null && (plan.BackoffUntil is null || force)
            ? AuthenticatorAvailability.Problem(domain, settings, resolveProgram)
            : null;
        return error is null
            ? plan with { Action = DescribeAction(plan, domain, verdict, force) }
            : plan with { Action = $"fail before ordering: {error}", Error = error };
    }

    private static string DescribeAction(DomainPlan plan, DomainSettings domain, RenewalVerdict verdict, bool force)
    {
        // The backoff holds back ordering, never the deploy of the certificate already on disk.
        if (plan.BackoffUntil is { } until && !force)
            return DescribeDeploy(plan) + $"skip: {FailureBackoff.Attempts(plan.Failures)}, waiting until {until:yyyy-MM-dd HH:mm} UTC (--force to try now)";
        var prefix = plan.Stage == DomainStage.NoKey ? $"create the key {domain.KeyFileName}, then " : "";
        var verify = plan.Verify.Count == 0 ? "" : $", then verify that {string.Join(", ", plan.Verify)} serve{(plan.Verify.Count == 1 ? "s" : "")} it";
        if (plan.OrderUrl is not null) return prefix + $"continue order {plan.OrderUrl}" + verify;
        if (plan.CertificateUrl is null) return prefix + $"order a certificate for {string.Join(", ", plan.Names)}" + verify;
        if (verdict.Timing is not { } timing)
            return prefix + $"fetch certificate {plan.CertificateUrl} from the CA (the file {verdict.Problem}), and order a new one if the CA's copy has the same problem" + verify;
        if (timing.Renew) return $"renew: {timing.Reason}" + verify;
        return DescribeDeploy(plan) + (verdict.AskCa
            ? $"ask the CA for renewal information (ARI), then renew only if it says so; until then {timing.Reason}"
            : $"do nothing: {timing.Reason}");
    }

    /// <summary>What the next run does for the certificate already on disk, as "…, then " ("" when nothing).</summary>
    private static string DescribeDeploy(DomainPlan plan)
    {
        if (plan.NotAfter is null) return "";
        var deploy = plan.DeployPending ? "run the deploy hook again (it failed after the last certificate change), then " : "";
        if (plan.Verify.Count > 0 && (plan.DeployPending || plan.ServedOk != true))
            deploy += $"verify that {string.Join(", ", plan.Verify)} serve{(plan.Verify.Count == 1 ? "s" : "")} the certificate " +
                      $"({(plan.ServedOk is null ? "not checked yet" : plan.DeployPending ? "after the deploy" : "the last check failed")}), then ";
        return deploy;
    }
}
