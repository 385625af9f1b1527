using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>certbot's renewal/NAME.conf (ConfigObj's INI dialect), as certbot 2.x writes it.</summary>
public sealed class CertbotRenewalConfTests
{
    private const string Conf = """
        # renew_before_expiry = 30 days
        version = 2.1.0
        archive_dir = /etc/letsencrypt/archive/example.com
        cert = /etc/letsencrypt/live/example.com/cert.pem
        privkey = /etc/letsencrypt/live/example.com/privkey.pem
        chain = /etc/letsencrypt/live/example.com/chain.pem
        fullchain = /etc/letsencrypt/live/example.com/fullchain.pem

        # Options used in the renewal process
        [renewalparams]
        account = 0123456789abcdef0123456789abcdef
        authenticator = webroot
        webroot_path = /var/www/html,
        server = https://acme-v02.api.letsencrypt.org/directory
        key_type = ecdsa
        renew_hook = "systemctl reload nginx, and more"
        [[webroot_map]]
        example.com = /var/www/html
        www.example.com = /var/www/html
        """;

    [Fact]
    public void The_files_the_server_the_webroot_and_the_deploy_hook_are_read()
    {
        var conf = CertbotRenewalConf.Parse("example.com", Conf);

        Assert.Equal("/etc/letsencrypt/live/example.com/fullchain.pem", conf.Fullchain);
        Assert.Equal("/etc/letsencrypt/live/example.com/privkey.pem", conf.PrivateKey);
        Assert.Equal("https://acme-v02.api.letsencrypt.org/directory", conf.Server);
        Assert.Equal("webroot", conf.Authenticator);
        Assert.Equal(["/var/www/html"], conf.WebrootPaths);
        Assert.Equal("/var/www/html", conf.WebrootMap["WWW.example.com"]);
        Assert.Equal("systemctl reload nginx, and more", conf.DeployHook);
    }

    [Fact]
    public void Values_outside_renewalparams_do_not_count_as_its()
    {
        var conf = CertbotRenewalConf.Parse("example.com", "server = https://elsewhere.example/dir\n[renewalparams]\nauthenticator = standalone\n[[webroot_map]]\n");

        Assert.Null(conf.Server);
        Assert.Equal("standalone", conf.Authenticator);
        Assert.Empty(conf.WebrootPaths);
        Assert.Null(conf.DeployHook);
    }
}
