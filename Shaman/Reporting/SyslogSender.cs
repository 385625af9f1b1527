using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Concorde.Shaman;

/// <summary>Writes RFC 3164 messages as datagrams to the local syslog socket (/dev/log), as glibc's syslog(3)
/// does: "&lt;PRI&gt;Mmm dd hh:mm:ss shaman[pid]: message", facility daemon. A missing or refusing socket is
/// skipped silently: logging must never fail a certificate run.</summary>
public sealed class SyslogSender : IDisposable
{
    public const string DefaultSocketPath = "/dev/log";
    private const int FacilityDaemon = 3;
    /// <summary>Datagrams above this are truncated; syslog daemons commonly accept at least this much.</summary>
    private const int MaxMessageBytes = 8192;
    /// <summary>How long one datagram may wait for room in the daemon's queue (Linux queues only
    /// net.unix.max_dgram_qlen, default 10). A daemon that lets it expire is taken as stuck: the rest of the run
    /// logs to stdout only, instead of hanging the run.</summary>
    private const int SendTimeoutMilliseconds = 1000;

    private Socket? _socket;
    private readonly string _ident;
    private readonly int _pid;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();

    public SyslogSender(string socketPath, string ident, TimeProvider time)
    {
        _ident = ident;
        _pid = Environment.ProcessId;
        _time = time;
        try
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            try
            {
                socket.Connect(new UnixDomainSocketEndPoint(socketPath));
                socket.SendTimeout = SendTimeoutMilliseconds;
                _socket = socket;
            }
            catch (SocketException)
            {
                socket.Dispose();
            }
        }
        catch (SocketException)
        {
            _socket = null;
        }
    }

    public bool IsConnected => _socket is not null;

    public void Send(LogLevel level, string message)
    {
        if (_socket is null) return;
        var priority = FacilityDaemon * 8 + Severity(level);
        var timestamp = _time.GetLocalNow().ToString("MMM dd HH:mm:ss", CultureInfo.InvariantCulture);
        // RFC 3164 §4.1.2: a single-digit day is padded with a space, not a zero.
        if (timestamp[4] == '0') timestamp = timestamp[..4] + " " + timestamp[5..];
        var bytes = Encoding.UTF8.GetBytes($"<{priority}>{timestamp} {_ident}[{_pid}]: {message}");
        lock (_lock)
        {
            try
            {
                _socket?.Send(bytes.AsSpan(0, Math.Min(bytes.Length, MaxMessageBytes)));
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                // The daemon reads nothing; stdout still has the message, and later ones do not wait again.
                _socket?.Dispose();
                _socket = null;
            }
            catch (SocketException)
            {
                // The daemon went away; stdout still has the message.
            }
        }
    }

    /// <summary>RFC 5424 §6.2.1 severities.</summary>
    public static int Severity(LogLevel level) => level switch
    {
        >= LogLevel.Critical => 2,
        >= LogLevel.Error => 3,
        >= LogLevel.Warning => 4,
        >= LogLevel.Info => 6,
        _ => 7,
    };

    public void Dispose()
    {
        lock (_lock) _socket?.Dispose();
    }
}
