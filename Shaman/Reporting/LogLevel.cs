namespace Concorde.Shaman;

/// <summary>Python logging levels, so the original's `logThreshold` values keep their meaning.</summary>
public enum LogLevel
{
    Debug = 10,
    Info = 20,
    Warning = 30,
    Error = 40,
    Critical = 50,
}
