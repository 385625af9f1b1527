using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Contrib;

/// <summary>One <typeparamref name="TDns"/> for a test class, started before its first test and stopped after its last.</summary>
public sealed class DnsServerFixture<TDns> : IAsyncLifetime where TDns : class, ITestDnsServer<TDns>
{
    private TDns? _dns;

    public TDns Dns => _dns ?? throw new InvalidOperationException("not initialized");

    public async Task InitializeAsync()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        _dns = await TDns.StartAsync(ct);
    }

    public async Task DisposeAsync()
    {
        if (_dns is not null) await _dns.DisposeAsync();
    }
}

/// <summary>A <typeparamref name="TDns"/> and a Pebble whose validator resolves through it (<c>pebble -dnsserver</c>)
/// instead of challtestsrv, for a test class.</summary>
public sealed class PebbleBehindDnsFixture<TDns> : IAsyncLifetime where TDns : class, ITestDnsServer<TDns>
{
    private readonly DnsServerFixture<TDns> _dns = new();
    private PebbleServer? _pebble;

    public TDns Dns => _dns.Dns;
    public PebbleServer Pebble => _pebble ?? throw new InvalidOperationException("not initialized");

    public async Task InitializeAsync()
    {
        await _dns.InitializeAsync();
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        _pebble = await PebbleServer.StartAsync(new PebbleOptions { DnsServer = Dns.Address }, ct);
    }

    public async Task DisposeAsync()
    {
        if (_pebble is not null) await _pebble.DisposeAsync();
        await _dns.DisposeAsync();
    }
}
