using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Concorde.Tests.Contrib;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Caddy;

/// <summary>shaman against a second, independent CA (Caddy's acme_server), validating http-01 through
/// contrib/authenticators/http01-webroot and a real nginx, run as an administrator would run the published binary.</summary>
public sealed class ShamanCaddyTests(CaddyFixture fixture) : IClassFixture<CaddyFixture>
{
    [Fact]
    public async Task Caddy_issues_a_two_name_certificate_a_rerun_does_nothing_and_a_due_certificate_is_renewed()
    {
        using var profile = new TempDirectory("concorde-caddy-profile-");
        var (name, alt) = (fixture.Names[0], fixture.Names[1]);
        var config = new JsonObject
        {
            ["server"] = fixture.Caddy.DirectoryUrl,
            ["caBundle"] = fixture.Caddy.RootCertificate,
            ["authenticators"] = new JsonObject { ["http-01"] = ContribScript.Http01Webroot },
            ["domains"] = new JsonObject { [name] = new JsonObject { ["altNames"] = new JsonArray(alt) } },
        };
        var configPath = profile.Combine("shaman.json");
        File.WriteAllText(configPath, config.ToJsonString());
        var environment = new Dictionary<string, string> { ["WEBROOT"] = fixture.Webroot };

        var first = (await ShamanProcess.RunAsync([profile.Path], environment)).Exited(0);

        Assert.Contains(first.Lines, l => l.StartsWith($"INFO {name}: created order ", StringComparison.Ordinal));
        var certificatePath = profile.Combine($"{name}.cert.pub.pem");
        using var issued = X509CertificateLoader.LoadCertificateFromFile(certificatePath);
        var san = issued.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames().Order().ToList();
        Assert.Equal(new[] { name, alt }.Order(), san);
        var lifetime = issued.NotAfter - issued.NotBefore;
        Assert.True(lifetime < TimeSpan.FromDays(1), $"Caddy issues short certificates; this one lasts {lifetime}");

        // Under 10 days of lifetime the fallback renews at half of it (no ARI at Caddy).
        var status = (await ShamanProcess.RunAsync(["--status", "--json", profile.Path])).Exited(0);
        var renewAt = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("domains")[0].GetProperty("renewAt").GetDateTimeOffset();
        var halfway = new DateTimeOffset(issued.NotBefore.ToUniversalTime() + lifetime / 2, TimeSpan.Zero);
        Assert.True((renewAt - halfway).Duration() < TimeSpan.FromMinutes(2), $"renewAt {renewAt:O}, half of the lifetime {halfway:O}");

        var before = File.ReadAllBytes(configPath);
        var noop = (await ShamanProcess.RunAsync([profile.Path], environment)).Exited(0);
        Assert.DoesNotContain(noop.Lines, l => l.Contains("created order", StringComparison.Ordinal));
        Assert.Equal(before, File.ReadAllBytes(configPath));

        // "renewal": 1 day is more than the 12 hours left, so the certificate is due now.
        var due = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        due["renewal"] = 1;
        File.WriteAllText(configPath, due.ToJsonString());
        var renewal = (await ShamanProcess.RunAsync([profile.Path], environment)).Exited(0);

        Assert.Contains(renewal.Lines, l => l.StartsWith($"INFO {name}: created order ", StringComparison.Ordinal));
        using var renewed = X509CertificateLoader.LoadCertificateFromFile(certificatePath);
        Assert.NotEqual(issued.SerialNumber, renewed.SerialNumber);
        Assert.Equal(issued.PublicKey.EncodedKeyValue.RawData, renewed.PublicKey.EncodedKeyValue.RawData);
        Assert.True(renewed.NotAfter >= issued.NotAfter, $"renewed until {renewed.NotAfter:O}, was {issued.NotAfter:O}");
    }
}
