namespace Concorde.Acme.Problems;

/// <summary>The only place that knows ACME error URNs (RFC 8555 §6.7).</summary>
public static class ProblemTypes
{
    public const string AcmeNamespace = "urn:ietf:params:acme:error:";

    private static readonly Dictionary<string, ProblemKind> Kinds = new(StringComparer.Ordinal)
    {
        ["accountDoesNotExist"] = ProblemKind.AccountDoesNotExist,
        ["alreadyReplaced"] = ProblemKind.AlreadyReplaced,
        ["alreadyRevoked"] = ProblemKind.AlreadyRevoked,
        ["badCSR"] = ProblemKind.BadCsr,
        ["badNonce"] = ProblemKind.BadNonce,
        ["badPublicKey"] = ProblemKind.BadPublicKey,
        ["badRevocationReason"] = ProblemKind.BadRevocationReason,
        ["badSignatureAlgorithm"] = ProblemKind.BadSignatureAlgorithm,
        ["caa"] = ProblemKind.Caa,
        ["compound"] = ProblemKind.Compound,
        ["conflict"] = ProblemKind.Conflict,
        ["connection"] = ProblemKind.Connection,
        ["dns"] = ProblemKind.Dns,
        ["externalAccountRequired"] = ProblemKind.ExternalAccountRequired,
        ["incorrectResponse"] = ProblemKind.IncorrectResponse,
        ["invalidContact"] = ProblemKind.InvalidContact,
        ["invalidProfile"] = ProblemKind.InvalidProfile,
        ["malformed"] = ProblemKind.Malformed,
        ["orderNotReady"] = ProblemKind.OrderNotReady,
        ["rateLimited"] = ProblemKind.RateLimited,
        ["rejectedIdentifier"] = ProblemKind.RejectedIdentifier,
        ["serverInternal"] = ProblemKind.ServerInternal,
        ["tls"] = ProblemKind.Tls,
        ["unauthorized"] = ProblemKind.Unauthorized,
        ["unsupportedContact"] = ProblemKind.UnsupportedContact,
        ["unsupportedIdentifier"] = ProblemKind.UnsupportedIdentifier,
        ["userActionRequired"] = ProblemKind.UserActionRequired,
    };

    public static ProblemKind Parse(string? type)
    {
        if (type is null || !type.StartsWith(AcmeNamespace, StringComparison.Ordinal))
            return ProblemKind.Other;
        return Kinds.GetValueOrDefault(type[AcmeNamespace.Length..], ProblemKind.Other);
    }
}
