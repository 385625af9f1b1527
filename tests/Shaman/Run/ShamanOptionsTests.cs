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
    [InlineData(new[] { "--renew", "--domain" }, "--domain needs a value")]
    [InlineData(new[] { "--renew", "--domain", "" }, "--domain needs a value")]
    [InlineData(new[] { "--domain", "a.example" }, "--domain and --new-key go with --renew")]
    [InlineData(new[] { "--new-key" }, "--domain and --new-key go with --renew")]
    [InlineData(new[] { "--revoke", "a.example", "--new-key" }, "--domain and --new-key go with --renew")]
    [InlineData(new[] { "--revoke", "a.example", "--revoke", "b.example" }, "--revoke is given once (one domain per --revoke run)")]
    [InlineData(new[] { "--revoke", "a.example", "--reason", "superseded", "--reason", "keyCompromise" }, "--reason is given once (one domain per --revoke run)")]
    [InlineData(new[] { "--renew", "--revoke", "a.example" }, "--renew and --revoke are alternatives; use one")]
    [InlineData(new[] { "--renew", "--dry-run" }, "--renew and --revoke change things; --status and --dry-run do not go with them")]
    [InlineData(new[] { "--status", "--revoke", "a.example" }, "--renew and --revoke change things; --status and --dry-run do not go with them")]
    [InlineData(new[] { "--renew", "--reason", "superseded" }, "--reason goes with --revoke")]
    [InlineData(new[] { "--revoke", "a.example", "--reason", "1" }, "--reason must be one of unspecified, keyCompromise, superseded, cessationOfOperation; got \"1\"")]
    [InlineData(new[] { "--revoke", "a.example", "--reason", "cACompromise" }, "--reason must be one of unspecified, keyCompromise, superseded, cessationOfOperation; got \"cACompromise\"")]
    [InlineData(new[] { "--import-certbot" }, "--import-certbot needs a certbot config directory or renewal .conf file")]
    [InlineData(new[] { "--import-certbot", "/etc/letsencrypt", "--import-certbot", "/etc/letsencrypt" }, "--import-certbot is given once")]
    [InlineData(new[] { "--import-certbot", "/etc/letsencrypt", "--renew" }, "--import-certbot goes alone (with -q at most); run shaman after it")]
    [InlineData(new[] { "--import-certbot", "/etc/letsencrypt", "--dry-run" }, "--import-certbot goes alone (with -q at most); run shaman after it")]
    public void Usage_errors(string[] args, string message)
    {
        var (options, error) = ShamanOptions.Parse(args);

        Assert.Null(options);
        Assert.Equal(message, error);
    }

    [Fact]
    public void Import_certbot_takes_certbots_path_and_the_profile_directory()
    {
        var (options, _) = ShamanOptions.Parse(["--import-certbot", "/etc/letsencrypt/renewal/example.com.conf", "/etc/shaman/example"]);

        Assert.Equal("/etc/letsencrypt/renewal/example.com.conf", options!.ImportCertbot);
        Assert.Equal("/etc/shaman/example", options.ProfileDirectory);
    }

    [Fact]
    public void Renew_asks_for_the_named_domains_or_all_and_a_new_key_only_when_told()
    {
        var named = ShamanOptions.Parse(["--renew", "--domain", "a.example", "--domain", "b.example", "--new-key", "profile"]).Options!.Verbs;
        var all = ShamanOptions.Parse(["--renew"]).Options!.Verbs;

        Assert.Equal(new DomainRequest(NewKey: true, Revocation: null), named.For("b.example"));
        Assert.Null(named.For("c.example"));
        Assert.True(named.Runs("c.example"));
        Assert.False(named.AsksForEveryDomain);
        Assert.Equal(new DomainRequest(NewKey: false, Revocation: null), all.For("c.example"));
        Assert.True(all.AsksForEveryDomain);
    }

    [Theory]
    [InlineData(new string[0], 0, false)]
    [InlineData(new[] { "--reason", "unspecified" }, 0, false)]
    [InlineData(new[] { "--reason", "keyCompromise" }, 1, true)]
    [InlineData(new[] { "--reason", "superseded" }, 4, false)]
    [InlineData(new[] { "--reason", "cessationOfOperation" }, 5, false)]
    public void Revoke_works_on_that_domain_alone_with_the_RFC_5280_reason_code_and_a_new_key_for_key_compromise(string[] reason, int code, bool newKey)
    {
        var verbs = ShamanOptions.Parse(["--revoke", "a.example", .. reason]).Options!.Verbs;

        Assert.Equal(new DomainRequest(newKey, code), verbs.For("a.example"));
        Assert.Null(verbs.For("b.example"));
        Assert.False(verbs.Runs("b.example"));
        Assert.True(verbs.AsksForEveryDomain);
    }
}
