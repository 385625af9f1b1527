using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>`shaman [--quiet] [&lt;profile dir&gt;]`, `--help`, `--version`.</summary>
public sealed class ShamanOptionsTests
{
    [Fact]
    public void No_arguments_mean_the_current_directory()
    {
        var (options, error) = ShamanOptions.Parse([]);

        Assert.Null(error);
        Assert.Equal(new ShamanOptions(), options);
        Assert.Equal(".", options!.ProfileDirectory);
        Assert.Equal("/dev/log", options.SyslogSocket);
        Assert.False(options.Quiet || options.Help || options.Version);
    }

    [Theory]
    [InlineData(new[] { "/etc/shaman/example" }, "/etc/shaman/example", false)]
    [InlineData(new[] { "-q", "profile" }, "profile", true)]
    [InlineData(new[] { "profile", "--quiet" }, "profile", true)]
    [InlineData(new[] { "--quiet" }, ".", true)]
    [InlineData(new[] { "--", "-odd" }, "-odd", false)]
    [InlineData(new[] { "-q", "--", "-odd" }, "-odd", true)]
    [InlineData(new[] { "-" }, "-", false)]
    public void Profile_directory_and_quiet(string[] args, string directory, bool quiet)
    {
        var (options, error) = ShamanOptions.Parse(args);

        Assert.Null(error);
        Assert.Equal(directory, options!.ProfileDirectory);
        Assert.Equal(quiet, options.Quiet);
    }

    [Fact]
    public void Status_takes_several_profile_directories()
    {
        var options = ShamanOptions.Parse(["--status", "/etc/shaman/a", "--json", "/etc/shaman/b", "--", "-c"]).Options!;

        Assert.Equal("/etc/shaman/a", options.ProfileDirectory);
        Assert.Equal(["/etc/shaman/b", "-c"], options.MoreProfileDirectories);
        Assert.Empty(ShamanOptions.Parse(["--status", "a"]).Options!.MoreProfileDirectories);
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("--help")]
    public void Help(string flag)
    {
        Assert.True(ShamanOptions.Parse(["profile", flag]).Options!.Help);
    }

    [Fact]
    public void Version()
    {
        Assert.True(ShamanOptions.Parse(["--version"]).Options!.Version);
    }

    [Theory]
    [InlineData(new[] { "--frobnicate" }, "unknown option --frobnicate")]
    [InlineData(new[] { "profile", "-x" }, "unknown option -x")]
    [InlineData(new[] { "--quiet=yes" }, "unknown option --quiet=yes")]
    [InlineData(new[] { "one", "two" }, "only one profile directory (several go with --status), got \"one\" and \"two\"")]
    [InlineData(new[] { "one", "--", "two" }, "only one profile directory (several go with --status), got \"one\" and \"two\"")]
    [InlineData(new[] { "--", "one", "-q" }, "only one profile directory (several go with --status), got \"one\" and \"-q\"")]
    [InlineData(new[] { "--dry-run", "one", "two" }, "only one profile directory (several go with --status), got \"one\" and \"two\"")]
    public void Usage_errors(string[] args, string message)
    {
        var (options, error) = ShamanOptions.Parse(args);

        Assert.Null(options);
        Assert.Equal(message, error);
    }
}
