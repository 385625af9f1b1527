using Concorde.Acme.Http;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>Retry-After (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, relative to an injected now.</summary>
public sealed class RetryAfterTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("0", 0)]
    [InlineData("1", 1)]
    [InlineData("120", 120)]
    [InlineData("86400", 86400)]
    public void Delta_seconds_is_a_duration(string header, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), RetryAfter.Parse(header, Now));
    }

    [Fact]
    public void Http_date_is_the_time_until_then()
    {
        Assert.Equal(TimeSpan.FromMinutes(90), RetryAfter.Parse("Sun, 01 Jun 2025 13:30:00 GMT", Now));
    }

    [Fact]
    public void Http_date_in_the_past_means_now()
    {
        Assert.Equal(TimeSpan.Zero, RetryAfter.Parse("Sat, 31 May 2025 12:00:00 GMT", Now));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5")]
    [InlineData("1.5")]
    public void Anything_else_is_absent(string? header)
    {
        Assert.Null(RetryAfter.Parse(header, Now));
    }

    [Fact]
    public void Response_headers_are_read_the_same_way()
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Retry-After", "Sun, 01 Jun 2025 12:00:30 GMT");

        Assert.Equal(TimeSpan.FromSeconds(30), RetryAfter.From(response.Headers, Now));
    }
}
