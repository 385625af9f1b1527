namespace Concorde.Acme.Problems;

/// <summary>The error types of RFC 8555 §6.7 (and RFC 9773's alreadyReplaced), parsed once from the URN.</summary>
public enum ProblemKind
{
    /// <summary>A type this client does not know (another namespace, a newer RFC).</summary>
    Other,
    AccountDoesNotExist,
    AlreadyReplaced,
    AlreadyRevoked,
    BadCsr,
    BadNonce,
    BadPublicKey,
    BadRevocationReason,
    BadSignatureAlgorithm,
    Caa,
    Compound,
    /// <summary>Not in RFC 8555; CAs use it for a request that clashes with the current state (HTTP 409).</summary>
    Conflict,
    Connection,
    Dns,
    ExternalAccountRequired,
    IncorrectResponse,
    InvalidContact,
    InvalidProfile,
    Malformed,
    OrderNotReady,
    RateLimited,
    RejectedIdentifier,
    ServerInternal,
    Tls,
    Unauthorized,
    UnsupportedContact,
    UnsupportedIdentifier,
    UserActionRequired,
}
