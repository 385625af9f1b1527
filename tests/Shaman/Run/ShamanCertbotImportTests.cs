using System.Text.Json.Nodes;
using Concorde.Tests.Contrib;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>Coming from certbot: Debian's certbot issues from Pebble with --webroot (the webroot served to Pebble's
/// http-01 validator), `shaman --import-certbot` makes its lineage a domain with contrib's http01-webroot, the next run
/// orders nothing, and the renewal replaces certbot's P-256 key with a new P-384 one, keeping the old one beside it.</summary>
public sealed class ShamanCertbotImportTests(WebrootPebbleFixture fixture) : IClassFixture<WebrootPebbleFixture>
{
    private static readonly TimeSpan CertbotTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_certbot_lineage_is_imported_kept_until_due_and_renewed_with_a_new_P384_key()
    {
        using var deadline = new CancellationTokenSource(CertbotTimeout);
        var ct = deadline.Token;
        using var certbot = new TempDirectory("concorde-certbot-");
        using var profile = new ShamanProfile(fixture.Pebble);
        var name = ShamanProfile.UniqueName("certbot");
        var alt = $"www.{name}";
        var config = Path.Combine(certbot.Path, "config");
        string[] arguments =
        [
            "certonly", "--non-interactive", "--agree-tos", "--register-unsafely-without-email",
            "--server", fixture.Pebble.DirectoryUrl.AbsoluteUri, "--config-dir", config,
            "--work-dir", Path.Combine(certbot.Path, "work"), "--logs-dir", Path.Combine(certbot.Path, "logs"),
            "--webroot", "-w", fixture.Webroot, "-d", name, "-d", alt, "--deploy-hook", "echo deployed >> deploy.log",
        ];
        var start = ChildProcess.Redirected("certbot", arguments).WithOnlyPathAnd(new Dictionary<string, string>
        {
            ["REQUESTS_CA_BUNDLE"] = fixture.Pebble.CaBundlePath,
            ["HOME"] = certbot.Path,
        });
        // certbot runs its deploy hook after issuing too, in its working directory.
        start.WorkingDirectory = certbot.Path;
        var issued = await ChildProcess.RunAsync(start, "", CertbotTimeout, "certbot certonly", ct);
        Assert.True(issued.Code == 0, $"certbot failed:{Environment.NewLine}{issued.Stdout}{issued.Stderr}");
        var certbotKey = File.ReadAllText(Path.Combine(config, "live", name, "privkey.pem"));
        File.Copy(ContribScript.Http01Webroot, profile.PathOf("http01-webroot"));
        // A profile that trusts this Pebble and has no domain yet; the import adds the server, the rest and the domain.
        profile.Write(new JsonObject { ["caBundle"] = fixture.Pebble.CaBundlePath, ["domains"] = new JsonObject() });
        var environment = new Dictionary<string, string> { ["WEBROOT"] = fixture.Webroot };

        var import = (await ShamanProcess.RunAsync(["--import-certbot", config, profile.Directory])).Exited(0);
        var imported = profile.Text();
        var again = (await ShamanProcess.RunAsync(["--import-certbot", Path.Combine(config, "renewal", $"{name}.conf"), profile.Directory])).Exited(2);
        var afterAgain = profile.Text();
        var quiet = (await profile.RunAsync(environment)).Exited(0);

        Assert.Contains(import.Lines, l => l.StartsWith($"INFO {name}: imported certbot's {name} ({name}, {alt}), valid until ", StringComparison.Ordinal)
                                           && l.EndsWith("its ECDSA P-256 key serves it until the renewal, which makes a new P-384 key", StringComparison.Ordinal));
        var domain = profile.ReadDomain(name);
        Assert.Equal(alt, Assert.Single(domain["altNames"]!.AsArray())!.GetValue<string>());
        Assert.Equal(fixture.Webroot, domain["environment"]!["WEBROOT"]!.GetValue<string>());
        Assert.Equal("http01-webroot", profile.Read()["authenticators"]!["http-01"]!.GetValue<string>());
        Assert.Equal(fixture.Pebble.DirectoryUrl.AbsoluteUri, profile.Read()["server"]!.GetValue<string>());
        Assert.Equal(certbotKey, File.ReadAllText(profile.PathOf(ShamanProfile.KeyFile(name))));
        Assert.Equal(ShamanProfile.PrivateMode, File.GetUnixFileMode(profile.PathOf(ShamanProfile.KeyFile(name))));
        // A lineage imported already is refused before anything is written.
        Assert.Contains($"shaman: {name}: already a domain of the profile; nothing imported (certbot's {name})", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(imported, afterAgain);
        Assert.DoesNotContain(quiet.Lines, l => l.Contains(": created order ", StringComparison.Ordinal));
        Assert.Contains(quiet.Lines, l => l.StartsWith($"INFO {name}: adopted the certificate ", StringComparison.Ordinal));

        // Pebble's certificates live five years: a window longer than that makes this one due.
        profile.Update(root => root["renewal"] = 100000);
        var renewal = (await profile.RunAsync(environment)).Exited(0);

        profile.AssertRenewedWithNewP384Key(renewal, name, "ECDSA P-256", certbotKey);
        // certbot's --deploy-hook became the domain's deploy program, run for the new certificate.
        Assert.Equal("deployed\n", File.ReadAllText(profile.PathOf("deploy.log")));
    }
}
