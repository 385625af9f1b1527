using Concorde.Acme;

namespace Concorde.Shaman;

/// <summary>One domain failed; the message names it and says what to do. Other domains go on.</summary>
public sealed class DomainFailure(string message) : ExpectedFailure(message);

/// <summary>The certificate is in place but the deploy hook failed: reported, not retried by re-issuing.</summary>
public sealed class DeployFailure(string message) : ExpectedFailure(message);
