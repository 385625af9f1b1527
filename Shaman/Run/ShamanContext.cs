namespace Concorde.Shaman;

/// <summary>What every domain of one run shares.</summary>
public sealed record ShamanContext(
    ProfileSettings Settings,
    ProfileDocument Document,
    KeyStore Keys,
    AcmeSession Session,
    ProgramRunner Programs,
    ShamanLog Log,
    TimeProvider Time,
    Random Random);
