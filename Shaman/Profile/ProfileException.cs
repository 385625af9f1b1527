using Concorde.Acme;

namespace Concorde.Shaman;

/// <summary>shaman.json (or the profile directory) cannot be used as it is. Raised before anything changes;
/// the message says what, where and how to fix it.</summary>
public sealed class ProfileException(string message) : ExpectedFailure(message);
