using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>The "host:port" entries of `verify`: names, IPv4, bracketed IPv6; everything else is refused with why.</summary>
public sealed class VerifyEndpointTests
{
    [Theory]
    [InlineData("www.example.com:443", "www.example.com", 443, "www.example.com:443")]
    [InlineData("127.0.0.1:8443", "127.0.0.1", 8443, "127.0.0.1:8443")]
    [InlineData("[::1]:443", "::1", 443, "[::1]:443")]
    [InlineData("[2001:db8::1]:65535", "2001:db8::1", 65535, "[2001:db8::1]:65535")]
    [InlineData("localhost:1", "localhost", 1, "localhost:1")]
    public void Accepts(string text, string host, int port, string shown)
    {
        var (endpoint, problem) = VerifyEndpoint.Parse(text);

        Assert.Null(problem);
        Assert.Equal(new VerifyEndpoint(host, port), endpoint);
        Assert.Equal(shown, endpoint!.ToString());
    }

    [Theory]
    [InlineData("", "is not host:port")]
    [InlineData(":443", "is not host:port")]
    [InlineData("example.com", "is not host:port")]
    [InlineData("example.com:", "has no port between 1 and 65535")]
    [InlineData("example.com:65536", "has no port between 1 and 65535")]
    [InlineData("example.com:+443", "has no port between 1 and 65535")]
    [InlineData("2001:db8::1:443", "has an IPv6 address without brackets")]
    [InlineData("[fe80::1%eth0]:443", "has no IPv6 address between the brackets")]
    [InlineData("*.example.com:443", "names no host (a wildcard is not a host)")]
    [InlineData("127.1:443", "names no host")]
    [InlineData("example.com/x:443", "names no host")]
    public void Refuses(string text, string problem)
    {
        var (endpoint, why) = VerifyEndpoint.Parse(text);

        Assert.Null(endpoint);
        Assert.StartsWith(problem, why, StringComparison.Ordinal);
    }
}
