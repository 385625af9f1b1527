using Concorde.Acme;

namespace Concorde.Shaman;

/// <summary>One domain failed; the message names it and says what to do. Other domains go on.</summary>
public class DomainFailure(string message) : ExpectedFailure(message);

/// <summary>An authorization of the order can no longer become valid (invalid, deactivated, expired, revoked: RFC 8555
/// §7.1.6), so neither can the order: it is dropped, and the next attempt starts a new one.</summary>
public sealed class DeadAuthorizationFailure(string message) : DomainFailure(message);

/// <summary>The certificate is in place but the deploy hook failed: reported, not retried by re-issuing.</summary>
public sealed class DeployFailure(string message) : ExpectedFailure(message);
