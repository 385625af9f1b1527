using System.Net.Sockets;
using System.Text;

namespace Concorde.Tests.Support;

/// <summary>A Unix datagram socket standing in for /dev/log (CONCORDE_SYSLOG_SOCKET points shaman at it) that
/// reads continuously, as a syslog daemon does: the kernel queues only a few datagrams per socket.</summary>
internal sealed class SyslogListener : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly List<string> _datagrams = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;

    public SyslogListener(string path, bool read = true)
    {
        _socket.Bind(new UnixDomainSocketEndPoint(path));
        Environment = new Dictionary<string, string> { ["CONCORDE_SYSLOG_SOCKET"] = path };
        _reading = read ? ReadAsync() : Task.CompletedTask;
    }

    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>Everything received, once nothing more arrives (call after shaman has exited).</summary>
    public async Task<IReadOnlyList<string>> ReceivedAsync()
    {
        int count;
        do
        {
            lock (_datagrams) count = _datagrams.Count;
            await Task.Delay(100);
        } while (_socket.Available > 0 || count != Count());
        lock (_datagrams) return _datagrams.ToList();
    }

    private int Count()
    {
        lock (_datagrams) return _datagrams.Count;
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                var length = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                lock (_datagrams) _datagrams.Add(Encoding.UTF8.GetString(buffer, 0, length));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Disposed: the test is done with the datagrams.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _reading.GetAwaiter().GetResult();
        _socket.Dispose();
        _stop.Dispose();
    }
}
