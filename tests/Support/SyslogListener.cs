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
    private readonly string _path;

    public SyslogListener(string path, bool read = true)
    {
        _path = path;
        _socket.Bind(new UnixDomainSocketEndPoint(path));
        Environment = new Dictionary<string, string> { ["CONCORDE_SYSLOG_SOCKET"] = path };
        _reading = read ? ReadAsync() : Task.CompletedTask;
    }

    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>Everything shaman sent (call after it has exited). A Unix datagram socket delivers in order, so once
    /// an end marker sent now has been read, so has every datagram before it.</summary>
    public async Task<IReadOnlyList<string>> ReceivedAsync()
    {
        var marker = $"end of test {Guid.NewGuid():N}";
        using (var sender = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified))
            await sender.SendToAsync(Encoding.UTF8.GetBytes(marker), SocketFlags.None, new UnixDomainSocketEndPoint(_path));
        await Eventually.WaitUntilAsync(() => Received().Contains(marker), TimeSpan.FromSeconds(10), "the syslog listener to read its end marker");
        return Received().Where(datagram => datagram != marker).ToList();
    }

    private List<string> Received()
    {
        lock (_datagrams) return _datagrams.ToList();
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
