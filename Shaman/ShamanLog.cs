using Concorde.Acme.Problems;

namespace Concorde.Shaman;

/// <summary>Every action goes to stdout as "LEVEL message" (the original's format) and to syslog. Messages
/// below the threshold are dropped; --quiet raises the stdout threshold to warnings.</summary>
public sealed class ShamanLog(TextWriter output, SyslogSender? syslog, LogLevel threshold, bool quiet)
{
    private readonly Lock _lock = new();

    public LogLevel Threshold { get; } = threshold;

    public void Debug(string message) => Write(LogLevel.Debug, message);
    public void Info(string message) => Write(LogLevel.Info, message);
    public void Warning(string message) => Write(LogLevel.Warning, message);
    public void Error(string message) => Write(LogLevel.Error, message);

    /// <summary>One message is one line: control characters in it (from a CA's problem detail, a program's output)
    /// are shown escaped, so nothing can forge a log line or reach the terminal as an escape sequence.</summary>
    public void Write(LogLevel level, string message)
    {
        if (level < Threshold) return;
        message = ServerText.EscapeControlCharacters(message);
        lock (_lock)
        {
            if (!quiet || level >= LogLevel.Warning)
            {
                output.WriteLine($"{Name(level)} {message}");
                output.Flush();
            }
            syslog?.Send(level, message);
        }
    }

    private static string Name(LogLevel level) => level switch
    {
        >= LogLevel.Critical => "CRITICAL",
        >= LogLevel.Error => "ERROR",
        >= LogLevel.Warning => "WARNING",
        >= LogLevel.Info => "INFO",
        _ => "DEBUG",
    };
}
