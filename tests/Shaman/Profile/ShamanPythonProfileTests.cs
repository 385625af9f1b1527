using System.Diagnostics;
using System.Text.Json.Nodes;
using Concorde.Acme;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>A profile directory the Python concorde left behind — its PKCS#8 keys, its account, an order
/// it created, its json.dump(indent=4, sort_keys=True) file with fields this version does not know — continues.</summary>
public sealed class ShamanPythonProfileTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task Profile_written_by_the_python_tool_continues_its_order_and_keeps_its_format()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("python");
        // The Python tool's keys: PKCS#8 PEM from OpenSSL, mode 0600.
        await GenerateKeyAsync(profile.PathOf(ShamanProfile.AccountKeyFile), ct);
        await GenerateKeyAsync(profile.PathOf(ShamanProfile.KeyFile(name)), ct);
        var accountKeyPem = File.ReadAllText(profile.PathOf(ShamanProfile.AccountKeyFile));
        var domainKeyPem = File.ReadAllText(profile.PathOf(ShamanProfile.KeyFile(name)));
        // Its account and its pending order, made with the Acme library.
        using var acme = await PebbleAcme.ConnectAsync(pebble.Server, ct);
        using var accountKey = profile.LoadKey(ShamanProfile.AccountKeyFile);
        var created = await acme.Client.NewAccountAsync(accountKey, ["mailto:admin@example.com"], termsOfServiceAgreed: true, null, ct);
        var account = new AcmeAccountKey(accountKey, created.Location);
        var order = await acme.NewOrderAsync(account, Identifier.ForDns(name), ct);
        Assert.Equal(AcmeStatus.Pending, order.Value.Status);
        var unknownTop = new JsonObject { ["deploy"] = "systemctl reload nginx", ["note"] = "géré par l'équipe — /etc/ssl", ["empty"] = new JsonArray() };
        var unknownDomain = new JsonObject { ["owner"] = "web team", ["weights"] = new JsonArray(1, 2.5, true, null) };
        var config = new JsonObject
        {
            ["server"] = pebble.Server.DirectoryUrl.AbsoluteUri,
            ["caBundle"] = pebble.Server.CaBundlePath,
            ["renewal"] = 10,
            ["logThreshold"] = 20,
            ["key"] = ShamanProfile.AccountKeyFile,
            ["account_id"] = created.Location.AbsoluteUri,
            ["authenticators"] = new JsonObject { [Challenge.Http01] = ShamanProfile.Http01 },
            ["hooks"] = unknownTop.DeepClone(),
            ["domains"] = new JsonObject
            {
                [name] = new JsonObject
                {
                    ["key"] = ShamanProfile.KeyFile(name),
                    ["order_id"] = order.Location.AbsoluteUri,
                    ["x-inventory"] = unknownDomain.DeepClone(),
                },
            },
        };
        profile.Write(await PythonFormat.DumpsAsync(config.ToJsonString()));
        Assert.Contains("\\u00e9", profile.Text()); // really Python's output: ensure_ascii

        var run = (await profile.RunAsync()).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        // The recorded account and keys were used, never replaced.
        Assert.Equal(accountKeyPem, File.ReadAllText(profile.PathOf(ShamanProfile.AccountKeyFile)));
        Assert.Equal(domainKeyPem, File.ReadAllText(profile.PathOf(ShamanProfile.KeyFile(name))));
        Assert.Equal(created.Location.AbsoluteUri, profile.Read()["account_id"]!.GetValue<string>());
        Assert.DoesNotContain(run.Lines, l => l.Contains("created", StringComparison.Ordinal));
        // The Python tool's order is the one that was completed.
        var finished = await acme.Client.GetOrderAsync(account, order.Location, ct);
        Assert.Equal(AcmeStatus.Valid, finished.Value.Status);
        Assert.Equal(finished.Value.Certificate?.AbsoluteUri, profile.ReadDomain(name)["certificate_id"]!.GetValue<string>());
        // Fields this version does not know survive, and the file is still exactly what Python writes.
        Assert.True(JsonNode.DeepEquals(unknownTop, profile.Read()["hooks"]), profile.Text());
        Assert.Equal(["WARNING shaman.json: unknown field \"hooks\" at the top level has no effect (it is kept in the file); remove it if it is a mistake",
                      $"WARNING shaman.json: unknown field \"x-inventory\" in domain \"{name}\" has no effect (it is kept in the file); remove it if it is a mistake"],
            run.Lines.Where(l => l.StartsWith("WARNING ", StringComparison.Ordinal)));
        Assert.True(JsonNode.DeepEquals(unknownDomain, profile.ReadDomain(name)["x-inventory"]), profile.Text());
        await PythonFormat.AssertFormattedAsync(profile.Text());
        Assert.False(profile.Text().EndsWith('\n'), "json.dump writes no trailing newline");
    }

    private static async Task GenerateKeyAsync(string path, CancellationToken ct)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", path })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        var stderr = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        Assert.True(process.ExitCode == 0, $"openssl genpkey failed: {stderr}");
        File.SetUnixFileMode(path, ShamanProfile.PrivateMode);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(path), StringComparison.Ordinal);
    }
}
