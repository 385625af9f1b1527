using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Faults;
using Concorde.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Concorde.Tests.Hostile;

/// <summary>"domainTimeout" end to end: the published binary against Pebble. A domain whose authenticator hangs (far
/// within its own authenticatorTimeout) or whose finalize answer never comes is stopped at its deadline — the
/// authenticator killed with its children — while the other domain gets its certificate; the process exits 1, and
/// the next run takes the lock and finishes the stopped domain with the order it recorded.</summary>
public sealed class DomainDeadlineProcessTests(PebbleFixture pebble, ITestOutputHelper output) : IClassFixture<PebbleFixture>
{
    [Fact]
    public async Task Hung_authenticator_is_killed_at_the_domain_deadline_and_the_next_run_finishes()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var (hung, good) = (ShamanProfile.UniqueName("deadline-hung"), ShamanProfile.UniqueName("deadline-good"));
        // The sleep is a grandchild of shaman: the whole tree must go.
        profile.WriteScript("hang.sh", "echo $$ > hang.pid\nsleep 600 &\necho $! > sleep.pid\nwait");
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, hung, good);
        config["authenticatorTimeout"] = 600;
        config["domains"]![hung] = new JsonObject
        {
            ["authenticators"] = new JsonObject { [Challenge.Http01] = "hang.sh" },
            ["domainTimeout"] = 3,
        };
        profile.Write(config);

        var run = await ShamanProcess.RunAsync([profile.Directory], timeout: TimeSpan.FromSeconds(40));

        output.WriteLine(run.ToString());
        run.Exited(1);
        var error = Assert.Single(run.ErrorLines, l => l.StartsWith($"ERROR {hung}: ", StringComparison.Ordinal));
        Assert.Contains("were not valid yet (an authenticator running, or the CA validating) after 3 s, the domain's \"domainTimeout\"",
            error, StringComparison.Ordinal);
        foreach (var pidFile in new[] { "hang.pid", "sleep.pid" })
        {
            var pid = int.Parse(File.ReadAllText(profile.PathOf(pidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(ProcessLiveness.IsGone(pid), $"{pidFile}: process {pid} was not killed");
        }
        using (profile.AssertCertificate(good)) { }
        Assert.Contains("\"domainTimeout\"", profile.ReadDomain(hung)["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(profile.ReadDomain(hung)["order_id"]);

        profile.Update(c => c["domains"]![hung]!.AsObject().Remove("authenticators"));
        var next = (await ShamanProcess.RunAsync(["--force", profile.Directory])).Exited(0);

        output.WriteLine(next.ToString());
        using (profile.AssertCertificate(hung)) { }
        Assert.Contains(next.Lines, l => l.Contains($"authorizing {hung}", StringComparison.Ordinal));
        // The recorded order is continued, not replaced.
        Assert.DoesNotContain(next.Lines, l => l.Contains($"{hung}: created order", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Finalize_answer_that_never_comes_fails_only_its_domain_and_the_next_run_finishes()
    {
        await using var proxy = FaultProxy.Start(pebble.Server);
        using var profile = new ShamanProfile(pebble.Server);
        var (stalled, good) = (ShamanProfile.UniqueName("deadline-stall"), ShamanProfile.UniqueName("deadline-ok"));
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, stalled, good);
        config["server"] = proxy.DirectoryUrl.AbsoluteUri;
        config["domainTimeout"] = 3;
        config["domains"]![good] = new JsonObject { ["domainTimeout"] = 3600 };
        profile.Write(config);
        var rule = proxy.Inject(StallFinalizeOf(stalled), HttpMethod.Post, PebblePaths.Finalize, FaultRule.Always);
        var clock = Stopwatch.StartNew();

        var run = await ShamanProcess.RunAsync([profile.Directory], timeout: TimeSpan.FromSeconds(40));

        output.WriteLine(run.ToString());
        run.Exited(1);
        // The client's own request timeout (30 s) and retries would take minutes.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"took {clock.Elapsed}");
        var error = Assert.Single(run.ErrorLines, l => l.StartsWith($"ERROR {stalled}: ", StringComparison.Ordinal));
        Assert.Contains("the CA had not answered the finalize request of order ", error, StringComparison.Ordinal);
        Assert.Contains(" after 3 s, the domain's \"domainTimeout\"", error, StringComparison.Ordinal);
        Assert.True(rule.Applied > 0);
        using (profile.AssertCertificate(good)) { }

        proxy.ClearFaults();
        (await ShamanProcess.RunAsync(["--force", profile.Directory])).Exited(0);

        using (profile.AssertCertificate(stalled)) { }
    }

    /// <summary>Holds the finalize request whose CSR names <paramref name="name"/> without a word until the proxy
    /// stops; every other request is forwarded.</summary>
    private static Fault StallFinalizeOf(string name) => Fault.Custom($"stall the finalize of {name}", async (exchange, ct) =>
    {
        if (!CsrNames(exchange.Request.Body, name))
        {
            await exchange.RespondAsync(await exchange.ForwardAsync(ct), ct);
            return;
        }
        await Task.Delay(Timeout.InfiniteTimeSpan, ct);
    });

    /// <summary>Whether the CSR in a finalize JWS names <paramref name="name"/> (a DNS name is ASCII in the DER).</summary>
    private static bool CsrNames(byte[] jws, string name)
    {
        using var message = JsonDocument.Parse(jws);
        using var payload = JsonDocument.Parse(RfcBase64Url.Decode(message.RootElement.GetProperty("payload").GetString()!));
        var csr = RfcBase64Url.Decode(payload.RootElement.GetProperty("csr").GetString()!);
        return csr.AsSpan().IndexOf(Encoding.ASCII.GetBytes(name)) >= 0;
    }
}
