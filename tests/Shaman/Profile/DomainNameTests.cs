using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>Names a profile may hold: DNS names and IP addresses, nothing that could escape the profile directory
/// once it becomes part of a file name.</summary>
public sealed class DomainNameTests
{
    [Theory]
    [InlineData("example.com")]
    [InlineData("www.example.com")]
    [InlineData("EXAMPLE.com")]
    [InlineData("a-b.example.com")]
    [InlineData("xn--bcher-kva.example")]
    [InlineData("*.example.com")]
    [InlineData("1.example.com")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("2001:db8::1")]
    public void Accepts(string name)
    {
        Assert.Null(DomainName.Problem(name));
    }

    [Fact]
    public void Accepts_the_longest_labels_and_names()
    {
        Assert.Null(DomainName.Problem(new string('a', 63) + ".example.com"));
        var longest = string.Join('.', Enumerable.Repeat(new string('a', 62), 4)) + ".com"; // four labels of 62, three dots, ".com"
        Assert.Equal(255, longest.Length);
        Assert.Null(DomainName.Problem(longest[2..]));
        Assert.NotNull(DomainName.Problem(longest[1..]));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("../x", "empty label")]
    [InlineData("..", "dot")]
    [InlineData("a b", "\\u0020")]
    [InlineData("*.", "dot")]
    [InlineData("example.com.", "dot")]
    [InlineData("example", "single label")]
    [InlineData("a..b.example", "empty label")]
    [InlineData("-a.example.com", "'-'")]
    [InlineData("a-.example.com", "'-'")]
    [InlineData("a_b.example.com", "'_'")]
    [InlineData("a/b.example.com", "'/'")]
    [InlineData("a\\b.example.com", "'\\'")]
    [InlineData("a\u0000b.example.com", "\\u0000")]
    [InlineData("exämple.com", "punycode")]
    [InlineData("*.com", "'*'")]
    [InlineData("a.*.example.com", "'*'")]
    [InlineData("**.example.com", "'*'")]
    [InlineData("fe80::1%eth0", "IP")]
    [InlineData("[::1]", "")]
    [InlineData("1.2.3", "")]
    [InlineData("10", "")]
    [InlineData("127.1", "")]
    [InlineData("0x7f.0.0.1", "")]
    [InlineData("010.0.0.1", "")]
    public void Refuses(string name, string reason)
    {
        var problem = DomainName.Problem(name);

        Assert.NotNull(problem);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_labels_and_names_that_are_too_long()
    {
        Assert.Contains("63", DomainName.Problem(new string('a', 64) + ".example.com"), StringComparison.Ordinal);
        Assert.Contains("253", DomainName.Problem(string.Join('.', Enumerable.Repeat("abcdefghi", 26)) + ".com"), StringComparison.Ordinal);
    }
}
