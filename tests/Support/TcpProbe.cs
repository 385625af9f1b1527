using System.Net.Sockets;

namespace Concorde.Tests.Support;

/// <summary>Whether a server the test started accepts connections yet: the readiness check of every fixture.</summary>
internal static class TcpProbe
{
    public static async Task<bool> AcceptsAsync(string address, int port, CancellationToken ct)
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(address, port, ct);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
