using Xunit;

namespace Concorde.Tests.Support;

/// <summary>
/// xunit class fixture owning one <see cref="PebbleServer"/> for all tests of a class:
/// <c>public sealed class MyTests(PebbleFixture pebble) : IClassFixture&lt;PebbleFixture&gt;</c>.
/// For non-default options derive a fixture with a public parameterless constructor:
/// <c>public sealed class EabPebbleFixture() : PebbleFixture(new PebbleOptions { RequireExternalAccountBinding = true });</c>
/// </summary>
public class PebbleFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private PebbleServer? server;

    public PebbleFixture()
        : this(PebbleOptions.Default)
    {
    }

    protected PebbleFixture(PebbleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
    }

    /// <summary>Options the server is started with.</summary>
    public PebbleOptions Options { get; }

    /// <summary>The running server (available once xunit has initialized the fixture).</summary>
    public PebbleServer Server => server ?? throw new InvalidOperationException("The Pebble fixture has not been initialized.");

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        server = await PebbleServer.StartAsync(Options, cts.Token).ConfigureAwait(false);
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
