using Concorde.Acme.Problems;

namespace Concorde.Shaman;

/// <summary>Every action goes to stdout as "LEVEL message" (the original's format) and to syslog. Messages
/// below the threshold are dropped; --quiet raises the stdout threshold to warnings. The warning and error lines
/// are kept as the run's summary, which the notify program reads.</summary>
public sealed class ShamanLog(TextWriter output, SyslogSender? syslog, LogLevel threshold, bool quiet)
{
    private readonly Lock _lock = new();
    private readonly List<string> _summary = [];

    public LogLevel Threshold { get; } = threshold;

    public void Debug(string message) => Write(LogLevel.Debug, message);
    public void Info(string message) => Write(LogLevel.Info, message);
    public void Warning(string message) => Write(LogLevel.Warning, message);
    public void Error(string message) => Write(LogLevel.Error, message);

    /// <summary>One message is one line: control characters in it (from a CA's problem detail, a program's output)
    /// are shown escaped, so nothing can forge a log line or reach the terminal as an escape sequence; and it is cut to
    /// <see cref="ServerText.MaxMessageLength"/>, so no answer can flood the log or the notify program's input.</summary>
    public void Write(LogLevel level, string message)
    {
        if (level < Threshold) return;
        message = ServerText.Line(message);
        lock (_lock)
        {
            var line = $"{Name(level)} {message}";
            if (level >= LogLevel.Warning) _summary.Add(line);
            if (!quiet || level >= LogLevel.Warning)
            {
                output.WriteLine(line);
                output.Flush();
            }
            syslog?.Send(level, message);
        }
    }

    /// <summary>The lines --quiet prints, so far.</summary>
    public IReadOnlyList<string> Summary()
    {
        lock (_lock) return [.. _summary];
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
