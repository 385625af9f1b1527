namespace Concorde.Tests.Contrib;

/// <summary>A real DNS server a test fixture starts on a free loopback port and disposes of afterwards.</summary>
public interface ITestDnsServer<TSelf> : IAsyncDisposable where TSelf : ITestDnsServer<TSelf>
{
    /// <summary>"127.0.0.1:port", for <c>pebble -dnsserver</c>.</summary>
    string Address { get; }

    static abstract Task<TSelf> StartAsync(CancellationToken ct);
}
