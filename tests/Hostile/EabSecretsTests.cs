using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Cli;
using Concorde.Tests.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>Issue 5 §4 with external account binding (RFC 8555 §7.3.4): the MAC key a CA hands out is a secret
/// that shaman (`"eab"` in shaman.json) and `concorde unreg … create --eab-hmac-key` use but never print, log or
/// send to syslog, in any spelling, not even at debug level, along with the keys and JWS bodies. The wrong and
/// malformed MAC key cases of shaman are in tests/ShamanFeatures/ShamanEabTests; the CLI's are here.</summary>
public sealed class EabSecretsTests(CliExternalAccountFixture pebble) : IClassFixture<CliExternalAccountFixture>
{
    private const string KeyId = "kid-1";
    private static readonly string MacKey = PebbleOptions.DefaultExternalAccountMacKeys[KeyId];
    /// <summary>Well-formed, but kid-2's: the CA refuses it for kid-1.</summary>
    private static readonly string WrongMacKey = PebbleOptions.DefaultExternalAccountMacKeys["kid-2"];
    /// <summary>Not base64url, and easy to spot if echoed.</summary>
    private const string MalformedMacKey = "TOPSECRET!!do-not-echo!!value";

    [Fact]
    public async Task Shaman_binds_its_account_with_eab_and_logs_no_mac_key_even_at_debug_level()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("eab");
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, name);
        config["eab"] = new JsonObject { ["kid"] = KeyId, ["hmacKey"] = MacKey };
        config["logThreshold"] = 10;
        profile.Write(config);
        using var syslog = new SyslogListener(profile.PathOf("log.sock"));

        var run = (await ShamanProcess.RunAsync([profile.Directory], syslog.Environment)).Exited(0);
        var datagrams = await syslog.ReceivedAsync();

        using (profile.AssertCertificate(name)) { }
        var scan = Scan(profile);
        scan.AssertAbsentFrom("stdout", run.Stdout);
        scan.AssertAbsentFrom("stderr", run.Stderr);
        scan.AssertAbsentFrom("syslog", string.Join('\n', datagrams));
    }

    [Fact]
    public async Task Concorde_unreg_create_with_eab_prints_neither_the_mac_key_nor_the_account_key()
    {
        using var admin = new ManualConcorde(pebble.Server);
        var key = await admin.CreateKeyAsync("account.key", admin.Deadline);

        var created = (await admin.RunAsync(admin.Deadline, "unreg", key, admin.Directory, "create",
            "--eab-kid", KeyId, "--eab-hmac-key", MacKey)).Succeeded();
        var refused = (await admin.RunAsync(admin.Deadline, "unreg", await admin.CreateKeyAsync("other.key", admin.Deadline), admin.Directory,
            "create", "--eab-kid", KeyId, "--eab-hmac-key", WrongMacKey)).Failed(1);
        var malformed = (await admin.RunAsync(admin.Deadline, "unreg", key, admin.Directory, "create",
            "--eab-kid", KeyId, "--eab-hmac-key", MalformedMacKey)).Failed(2);

        var scan = new SecretScan();
        scan.AddKeyFile(key);
        scan.AddKeyFile(admin.PathOf("other.key"));
        scan.AddMacKey(MacKey);
        scan.AddMacKey(WrongMacKey);
        foreach (var run in new[] { created, refused, malformed })
        {
            // stdout is the account object as Pebble sends it, with its "externalAccountBinding" JWS.
            scan.AssertAbsentFrom($"{string.Join(' ', run.Args.Take(5))} stdout", run.Stdout, serverObjects: true);
            scan.AssertAbsentFrom($"{string.Join(' ', run.Args.Take(5))} stderr", run.Stderr);
        }
        Assert.Contains("Account: ", created.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("TOPSECRET", malformed.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The profile's keys and the MAC key.</summary>
    private static SecretScan Scan(ShamanProfile profile)
    {
        var scan = new SecretScan();
        foreach (var file in Directory.EnumerateFiles(profile.Directory, "*.priv.pem")) scan.AddKeyFile(file);
        scan.AddMacKey(MacKey);
        return scan;
    }
}
