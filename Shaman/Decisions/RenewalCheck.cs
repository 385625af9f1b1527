using Concorde.Acme.Crypto;
using Concorde.Acme.Wire;

namespace Concorde.Shaman;

/// <summary>What a domain's certificate file is worth: unusable (missing, unreadable, another key's, not naming
/// every identifier), due for renewal, or current.</summary>
public enum CertificateStanding
{
    Unusable,
    Due,
    Current,
}

/// <summary>The one answer to "is this domain's certificate current, and when is it due?", asked by the no-op path,
/// the full path and `--status`/`--dry-run` alike.</summary>
/// <param name="Problem">Why the certificate is unusable, to follow "the certificate …"; null otherwise.</param>
/// <param name="Timing">When the certificate is due and why; null when it is unusable.</param>
/// <param name="AskCa">The recorded renewal information (ARI) is due for a refresh: the CA's answer may move the
/// renewal, so the full path asks before it acts on <see cref="Timing"/>.</param>
/// <param name="KeyKind">The domain's key is of another kind than ECDSA P-384 ("ECDSA P-256", "RSA 2048": another
/// client's, adopted): its certificate serves, but no order is placed with it. Null for a P-384 key or none.</param>
public sealed record RenewalVerdict(CertificateStanding Standing, CertificateFacts? Certificate, string? Problem, RenewalDecision? Timing, bool AskCa,
    string? KeyKind = null)
{
    /// <summary>Nothing to do and nobody to ask: the no-op run.</summary>
    public bool IsCurrentWithoutAsking => Standing == CertificateStanding.Current && !AskCa;
}

public static class RenewalCheck
{
    /// <summary>Pure: every input is a parameter. <paramref name="keyPublicInfo"/> is the SubjectPublicKeyInfo of the
    /// domain's key, null when the key is not known (then no certificate can be trusted to be its).</summary>
    public static RenewalVerdict Evaluate(CertificateFacts? certificate, string? certificateProblem, byte[]? keyPublicInfo,
        IReadOnlyList<Identifier> identifiers, double? renewalDays, RenewalInfoRecord? renewalInfo, DateTimeOffset now)
    {
        var keyKind = keyPublicInfo is null ? null : KeyCurve.OtherKind(keyPublicInfo);
        if (certificate is null) return Unusable(null, certificateProblem ?? "is missing", keyKind);
        if (Mismatch(certificate, keyPublicInfo, identifiers) is { } mismatch) return Unusable(certificate, mismatch, keyKind);
        var timing = RenewalDecision.Decide(certificate.NotBefore, certificate.NotAfter, now, renewalDays, renewalInfo?.Schedule);
        return new RenewalVerdict(timing.Renew ? CertificateStanding.Due : CertificateStanding.Current, certificate, null, timing,
            AriRecheck.IsDue(renewalInfo, certificate.NotAfter, now), keyKind);
    }

    /// <summary>Why <paramref name="certificate"/> cannot serve the domain — another key's, or missing a name — or null.
    /// Nothing is written or kept unless this is null.</summary>
    public static string? Mismatch(CertificateFacts certificate, byte[]? keyPublicInfo, IReadOnlyList<Identifier> identifiers)
    {
        if (keyPublicInfo is null) return "cannot be checked without the domain's key";
        if (!PublicKeyMatch.BelongsTo(certificate.SubjectPublicKeyInfo, keyPublicInfo))
            return "belongs to a different key than the domain's private key";
        return certificate.FirstMissing(identifiers) is { } missing ? $"does not cover {missing.Value}" : null;
    }

    private static RenewalVerdict Unusable(CertificateFacts? certificate, string problem, string? keyKind) =>
        new(CertificateStanding.Unusable, certificate, problem, null, AskCa: false, keyKind);
}
