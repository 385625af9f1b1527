using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Concorde.Acme.Keys;

namespace Concorde.Shaman;

/// <summary>What shaman knows about a domain without asking the CA, and what a run would do with it. Serves
/// `--status` and `--dry-run`: both read files only and change nothing.</summary>
public sealed record DomainPlan
{
    public required string Name { get; init; }
    public required IReadOnlyList<string> Names { get; init; }
    /// <summary>"no key", "no order", "order", "certificate".</summary>
    public required string State { get; init; }
    public string? OrderUrl { get; init; }
    public string? CertificateUrl { get; init; }
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
    /// <summary>What the next run would do, in a sentence.</summary>
    public required string Action { get; init; }

    public static async Task<DomainPlan> ForAsync(DomainSettings domain, ProfileSettings settings, ProfileDocument document,
        DateTimeOffset now, bool force, CancellationToken ct)
    {
        var state = new DomainState(document, domain.Name);
        var names = domain.Identifiers.Select(i => i.Value).ToList();
        var keyPath = document.Get(domain.Name, "key") is { } recorded ? document.ResolvePath(recorded) : null;
        using var key = keyPath is not null && File.Exists(keyPath) ? await TryLoadAsync(keyPath, ct) : null;

        X509Certificate2? leaf = null;
        string? certificateProblem = null;
        var pem = await CertificateFile.ReadAsync(document.ResolvePath(domain.CertificateFileName), ct);
        if (pem is not null && key is not null)
            (leaf, certificateProblem) = CertificateFile.Check(pem, key, domain.Identifiers);
        else if (pem is null)
            certificateProblem = "no certificate file";
        using var _ = leaf;

        RenewalDecision? decision = leaf is null
            ? null
            : RenewalDecision.Decide(leaf.NotBefore.ToUniversalTime(), leaf.NotAfter.ToUniversalTime(), now, settings.RenewalDays,
                state.RenewalInfo?.Schedule);
        var backoff = state.BackoffUntil is { } until && until > now ? until : (DateTimeOffset?)null;

        var plan = new DomainPlan
        {
            Name = domain.Name,
            Names = names,
            State = keyPath is null ? "no key" : state.OrderId is not null ? "order" : state.CertificateId is not null ? "certificate" : "no order",
            OrderUrl = state.OrderId,
            CertificateUrl = state.CertificateId,
            NotAfter = leaf?.NotAfter.ToUniversalTime(),
            RenewAt = decision?.RenewAt,
            RenewalReason = decision?.Reason,
            Failures = state.Failures,
            LastError = state.LastError,
            BackoffUntil = backoff,
            Current = state.OrderId is null && state.CertificateId is not null && decision is { Renew: false },
            // Without a deploy program the run just forgets the flag.
            DeployPending = state.DeployPending && (domain.Deploy ?? settings.Deploy) is not null,
            Action = "",
        };
        var askCa = leaf is not null && state.IsRenewalInfoDue(leaf.NotAfter.ToUniversalTime(), now);
        return plan with { Action = Describe(plan, domain, decision, askCa, certificateProblem, force) };
    }

    private static string Describe(DomainPlan plan, DomainSettings domain, RenewalDecision? decision, bool askCa,
        string? certificateProblem, bool force)
    {
        if (plan.BackoffUntil is { } until && !force)
            return $"skip: {FailureBackoff.Attempts(plan.Failures)}, waiting until {until:yyyy-MM-dd HH:mm} UTC (--force to try now)";
        var prefix = plan.State == "no key" ? $"create the key {domain.KeyFileName}, then " : "";
        if (plan.OrderUrl is not null) return prefix + $"continue order {plan.OrderUrl}";
        if (plan.CertificateUrl is null) return prefix + $"order a certificate for {string.Join(", ", plan.Names)}";
        if (decision is null)
            return prefix + $"fetch certificate {plan.CertificateUrl} from the CA ({certificateProblem}), and order a new one if the CA's copy has the same problem";
        if (decision.Renew) return $"renew: {decision.Reason}";
        var deploy = plan.DeployPending ? "run the deploy hook again (it failed after the last certificate change), then " : "";
        return deploy + (askCa
            ? $"ask the CA for renewal information (ARI), then renew only if it says so; until then {decision.Reason}"
            : $"do nothing: {decision.Reason}");
    }

    private static async Task<ECDsa?> TryLoadAsync(string path, CancellationToken ct)
    {
        try
        {
            return await KeyFile.LoadAsync(path, ct);
        }
        catch (KeyFileException)
        {
            return null;
        }
    }
}
