using System.Text;

namespace Concorde.Tests.Support;

/// <summary>Starts a real server on a port chosen free a moment earlier. Another process may take the port in between,
/// so a start that reports the port taken is retried on a new one, a few times.</summary>
internal static class FreePortStart
{
    private const int MaxAttempts = 3;

    /// <param name="create">Makes a server on a new free port (not started).</param>
    /// <param name="start">Starts it: true once it serves, false when its port was taken; throws on any other failure.</param>
    public static async Task<T> StartAsync<T>(string program, Func<T> create, Func<T, Task<bool>> start,
        Func<T, (int Port, string Log)> describe) where T : IAsyncDisposable
    {
        var failures = new StringBuilder();
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var server = create();
            try
            {
                if (await start(server)) return server;
                var (port, log) = describe(server);
                failures.AppendLine($"attempt {attempt}: port {port} was taken").AppendLine(log);
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
            await server.DisposeAsync();
        }
        throw new InvalidOperationException($"{program} did not start after {MaxAttempts} attempts:{Environment.NewLine}{failures}");
    }
}
