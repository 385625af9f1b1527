using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Cli;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>Secrets with external account binding (RFC 8555 §7.3.4): the MAC key a CA hands out is a secret
/// that shaman (`"eab"` in shaman.json) and `concorde unreg … create --eab-hmac-key` use but never print, log or
/// send to syslog, in any spelling, not even at debug level, along with the keys and JWS bodies. The wrong and
/// malformed MAC key cases of shaman are in tests/Shaman/ShamanEabTests; the CLI's are here.</summary>
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

    /// <summary>The MAC key off the command line: from --eab-hmac-key-file or CONCORDE_EAB_HMAC_KEY, it binds the
    /// account, and neither argv nor any output holds it.</summary>
    [Fact]
    public async Task Concorde_unreg_create_takes_the_mac_key_from_a_file_or_the_environment_and_prints_it_nowhere()
    {
        using var admin = new ManualConcorde(pebble.Server);
        var macFile = admin.PathOf("eab-mac.key");
        await File.WriteAllTextAsync(macFile, MacKey + "\n");
        var fromFile = await admin.CreateKeyAsync("file.key", admin.Deadline);
        var fromEnvironment = await admin.CreateKeyAsync("environment.key", admin.Deadline);
        var refusedKey = await admin.CreateKeyAsync("refused.key", admin.Deadline);

        var filed = (await admin.RunAsync(admin.Deadline, "unreg", fromFile, admin.Directory, "create",
            "--eab-kid", KeyId, "--eab-hmac-key-file", macFile)).Succeeded();
        var environment = new Dictionary<string, string> { ["CONCORDE_EAB_HMAC_KEY"] = MacKey };
        var set = (await admin.RunAsync(environment, admin.Deadline, "unreg", fromEnvironment, admin.Directory, "create",
            "--eab-kid", KeyId)).Succeeded();
        var refused = (await admin.RunAsync(new Dictionary<string, string> { ["CONCORDE_EAB_HMAC_KEY"] = WrongMacKey }, admin.Deadline,
            "unreg", refusedKey, admin.Directory, "create", "--eab-kid", KeyId)).Failed(1);

        Assert.Equal("valid", filed.Json().GetProperty("status").GetString());
        Assert.Equal("valid", set.Json().GetProperty("status").GetString());
        Assert.Contains("urn:ietf:params:acme:error:unauthorized", refused.Stderr, StringComparison.Ordinal);
        var scan = new SecretScan();
        foreach (var key in new[] { fromFile, fromEnvironment, refusedKey }) scan.AddKeyFile(key);
        scan.AddMacKey(MacKey);
        scan.AddMacKey(WrongMacKey);
        foreach (var run in new[] { filed, set, refused })
        {
            scan.AssertAbsentFrom($"{string.Join(' ', run.Args.Take(5))} argv", string.Join(' ', run.Args));
            scan.AssertAbsentFrom($"{string.Join(' ', run.Args.Take(5))} stdout", run.Stdout, serverObjects: true);
            scan.AssertAbsentFrom($"{string.Join(' ', run.Args.Take(5))} stderr", run.Stderr);
        }
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
