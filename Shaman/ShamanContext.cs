namespace Concorde.Shaman;

/// <summary>What every domain of one run shares.</summary>
public sealed record ShamanContext(
    ProfileSettings Settings,
    ProfileDocument Document,
    KeyStore Keys,
    AcmeSession Session,
    AuthenticatorRunner Authenticators,
    ShamanLog Log,
    TimeProvider Time);
