using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>A domain's altNames — DNS names, a wildcard (dns-01 only) and an IP address — go into one
/// order and one certificate; the map key stays the primary name and the file name.</summary>
public sealed class ShamanAltNamesTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    private const string RecordingDns01 = "record-dns01.sh";

    [Fact]
    public async Task Dns_wildcard_and_ip_names_share_one_order_and_one_certificate_under_the_primary_name()
    {
        using var profile = new ShamanProfile(pebble.Server);
        RecordingScripts.Write(profile, RecordingDns01, then: ShamanProfile.Dns01);
        var name = ShamanProfile.UniqueName("names");
        var config = profile.Config(new JsonObject { [Challenge.Http01] = ShamanProfile.Http01, [Challenge.Dns01] = RecordingDns01 },
            new JsonObject { [name] = new JsonObject { ["altNames"] = new JsonArray($"www.{name}", $"*.{name}", "127.0.0.1") } });
        profile.Write(config);

        var run = (await profile.RunAsync()).Exited(0);

        Assert.Single(run.Lines, l => l.Contains(": created order ", StringComparison.Ordinal));
        using var leaf = profile.AssertCertificate(name);
        Assert.Equal([$"*.{name}", name, $"www.{name}"], CertificateNames.DnsNames(leaf).Order(StringComparer.Ordinal));
        Assert.Equal([IPAddress.Loopback], CertificateNames.IpAddresses(leaf));
        Assert.Equal([ShamanProfile.CertificateFile(name)],
            Directory.EnumerateFiles(profile.Directory, "*.cert.pub.pem").Select(Path.GetFileName));
        Assert.Equal([name], profile.Read()["domains"]!.AsObject().Select(d => d.Key));
        // Pebble offers a wildcard only dns-01, for the base name's TXT record.
        var dnsCalls = RecordingScripts.Calls(profile, RecordingDns01);
        Assert.Contains(dnsCalls, c => c["CONCORDE_IDENTIFIER"] == name && c["CONCORDE_DNS_NAME"] == $"_acme-challenge.{name}");
        Assert.All(dnsCalls, c => Assert.DoesNotContain(c.Environment.Values, v => v.Contains('*')));
        Assert.Contains(run.Lines, l => l.StartsWith($"INFO {name}: authorizing *.{name} (", StringComparison.Ordinal));
        Assert.Contains(run.Lines, l => l == $"INFO {name}: authenticated 127.0.0.1 with {Challenge.Http01}");
    }

    [Fact]
    public async Task Wildcard_without_a_dns_01_authenticator_fails_saying_what_to_add()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("wild");
        profile.Write(profile.Config(new JsonObject { [Challenge.Http01] = ShamanProfile.Http01 },
            new JsonObject { [name] = new JsonObject { ["altNames"] = new JsonArray($"*.{name}") } }));

        var run = (await profile.RunAsync()).Exited(1);

        Assert.Contains(run.ErrorLines, l => l.Contains($"no authenticator for *.{name}; the server offers dns-01. Add one to \"authenticators\"", StringComparison.Ordinal));
        Assert.False(File.Exists(profile.PathOf(ShamanProfile.CertificateFile(name))));
    }

    [Fact]
    public async Task Csr_names_every_identifier_and_the_primary_name_as_common_name_but_never_an_address_or_a_name_over_64_characters()
    {
        var now = new DateTimeOffset(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(now));
        // 76 characters: too long for a common name (X.520 ub-common-name is 64).
        var longName = new string('l', 63) + ".example.com";
        using var profile = await ScriptedProfile.CreateAsync("example.com", "192.0.2.7", longName);
        profile.UpdateDomain("example.com", d => d["altNames"] = new JsonArray("www.example.com", "*.example.com", "192.0.2.1", "2001:db8::1"));

        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(now))).Exited(0);

        var orders = ca.NewOrderPayloads.ToDictionary(p => p.GetProperty("identifiers")[0].GetProperty("value").GetString()!,
            p => p.GetProperty("identifiers").EnumerateArray().Select(i => $"{i.GetProperty("type").GetString()}|{i.GetProperty("value").GetString()}").ToList());
        Assert.Equal(["dns|example.com", "dns|www.example.com", "dns|*.example.com", "ip|192.0.2.1", "ip|2001:db8::1"], orders["example.com"]);
        Assert.Equal(["ip|192.0.2.7"], orders["192.0.2.7"]);
        var named = ca.Csrs.Single(c => San(c).Dns.Contains("example.com"));
        Assert.Equal("CN=example.com", named.SubjectName.Name);
        Assert.Equal(["*.example.com", "example.com", "www.example.com"], San(named).Dns.Order(StringComparer.Ordinal));
        Assert.Equal([IPAddress.Parse("192.0.2.1"), IPAddress.Parse("2001:db8::1")], San(named).Ip);
        var nameless = ca.Csrs.Single(c => San(c).Dns.Contains(longName));
        Assert.Equal("", nameless.SubjectName.Name);
        Assert.True(nameless.CertificateExtensions.OfType<X509SubjectAlternativeNameExtension>().Single().Critical);
        var address = ca.Csrs.Single(c => San(c).Dns.Count == 0);
        Assert.Equal("", address.SubjectName.Name);
        Assert.Equal([IPAddress.Parse("192.0.2.7")], San(address).Ip);
        // RFC 5280 §4.2.1.6: with an empty subject the subjectAltName is critical.
        Assert.True(address.CertificateExtensions.OfType<X509SubjectAlternativeNameExtension>().Single().Critical);
        Assert.True(File.Exists(profile.CertificatePath("192.0.2.7")));
        Assert.True(File.Exists(profile.CertificatePath("example.com")));
    }

    private static (IReadOnlyList<string> Dns, IReadOnlyList<IPAddress> Ip) San(System.Security.Cryptography.X509Certificates.CertificateRequest csr)
    {
        var san = csr.CertificateExtensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        return (san.EnumerateDnsNames().ToList(), san.EnumerateIPAddresses().ToList());
    }
}
