using System.Security.Cryptography;

namespace Concorde.Acme;

/// <summary>An account key with the account URL the server gave it; requests are signed with `kid`
/// (RFC 8555 §6.2).</summary>
public sealed record AcmeAccountKey(ECDsa Key, Uri AccountUrl);
