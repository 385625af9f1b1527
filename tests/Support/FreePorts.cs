using System.Net;
using System.Net.Sockets;

namespace Concorde.Tests.Support;

/// <summary>
/// Picks free loopback (127.0.0.1) ports by letting the kernel assign them (bind to port 0).
/// The ports are released before they are returned, so a later bind can still race with another
/// process; callers that start servers should be prepared to retry with new ports.
/// Ports handed out by this class are never handed out twice within one test process, so servers
/// started side by side from the same process do not collide with each other.
/// </summary>
public static class FreePorts
{
    private static readonly object Gate = new();
    private static readonly HashSet<int> HandedOut = [];
    private const int MaxAttempts = 200;

    /// <summary>Returns one free loopback TCP port.</summary>
    public static int GetTcpPort() => Allocate(tcpCount: 1, tcpAndUdpCount: 0).Tcp[0];

    /// <summary>Returns <paramref name="count"/> distinct free loopback TCP ports.</summary>
    public static IReadOnlyList<int> GetTcpPorts(int count) => Allocate(count, tcpAndUdpCount: 0).Tcp;

    /// <summary>Returns a loopback port that is free for both TCP and UDP (e.g. for a DNS server).</summary>
    public static int GetTcpAndUdpPort() => Allocate(tcpCount: 0, tcpAndUdpCount: 1).TcpAndUdp[0];

    /// <summary>
    /// Allocates <paramref name="tcpCount"/> TCP ports and <paramref name="tcpAndUdpCount"/> ports free for
    /// both TCP and UDP, all distinct from each other. All sockets are held open until every port has been
    /// chosen, then closed.
    /// </summary>
    public static PortAllocation Allocate(int tcpCount, int tcpAndUdpCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tcpCount);
        ArgumentOutOfRangeException.ThrowIfNegative(tcpAndUdpCount);

        var held = new List<IDisposable>();
        var tcp = new List<int>(tcpCount);
        var both = new List<int>(tcpAndUdpCount);
        try
        {
            lock (Gate)
            {
                for (var attempt = 0; tcp.Count < tcpCount; attempt++)
                {
                    ThrowIfExhausted(attempt);
                    var listener = BindTcp(out var port);
                    held.Add(listener);
                    if (HandedOut.Contains(port))
                    {
                        continue;
                    }

                    tcp.Add(port);
                }

                for (var attempt = 0; both.Count < tcpAndUdpCount; attempt++)
                {
                    ThrowIfExhausted(attempt);
                    var listener = BindTcp(out var port);
                    held.Add(listener);
                    if (HandedOut.Contains(port))
                    {
                        continue;
                    }

                    var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                    try
                    {
                        udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                    }
                    catch (SocketException)
                    {
                        udp.Dispose();
                        continue;
                    }

                    held.Add(udp);
                    both.Add(port);
                }

                foreach (var port in tcp.Concat(both))
                {
                    HandedOut.Add(port);
                }
            }
        }
        finally
        {
            foreach (var socket in held)
            {
                socket.Dispose();
            }
        }

        return new PortAllocation(tcp, both);
    }

    private static void ThrowIfExhausted(int attempt)
    {
        if (attempt >= MaxAttempts)
        {
            throw new InvalidOperationException($"Could not find free loopback ports after {MaxAttempts} attempts.");
        }
    }

    private static TcpListenerLease BindTcp(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return new TcpListenerLease(listener);
    }

    private sealed class TcpListenerLease(TcpListener listener) : IDisposable
    {
        public void Dispose() => listener.Stop();
    }
}

/// <summary>Result of <see cref="FreePorts.Allocate"/>.</summary>
public sealed record PortAllocation(IReadOnlyList<int> Tcp, IReadOnlyList<int> TcpAndUdp);
