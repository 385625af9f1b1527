using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>One run carries a fresh profile to a certificate on disk; a run with nothing to do touches
/// nothing and contacts nobody.</summary>
public sealed class ShamanIssuanceTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    [Theory]
    [InlineData(Challenge.Http01, ShamanProfile.Http01)]
    [InlineData(Challenge.Dns01, ShamanProfile.Dns01)]
    [InlineData(Challenge.TlsAlpn01, ShamanProfile.TlsAlpn01)]
    public async Task Fresh_profile_gets_a_certificate_in_one_run_with_authenticator_for(string challengeType, string program)
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName(challengeType);
        profile.Write(profile.Config(challengeType, program, name));

        var run = (await profile.RunAsync()).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        Assert.Empty(run.ErrorLines);
        // The authenticator's own output reaches the log, and shaman used the challenge type it was given.
        Assert.Contains(run.Lines, l => l.StartsWith($"INFO {name}: {challengeType} authenticator {program} stdout: published", StringComparison.Ordinal));
        Assert.Contains($"INFO {name}: authenticated {name} with {challengeType}", run.Lines);
        // A new file is written, not updated (a replaced one is "updating", see ShamanHostileFilesTests).
        Assert.Contains($"INFO {name}: writing certificate {ShamanProfile.CertificateFile(name)}", run.Lines);
        Assert.DoesNotContain(run.Lines, l => l.Contains("updating certificate", StringComparison.Ordinal));
        await PythonFormat.AssertFormattedAsync(profile.Text());
    }

    [Fact]
    public async Task Second_run_changes_nothing_and_sends_no_request_to_the_ca()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName();
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, name));
        var requestsBefore = CountRequests();
        (await profile.RunAsync()).Exited(0);
        var requestsAfterIssuance = CountRequests();
        // The count below can fail: the first run must have shown up in Pebble's log.
        Assert.True(requestsAfterIssuance.Posts >= 8, $"Pebble logged {requestsAfterIssuance.Posts - requestsBefore.Posts} POSTs for an issuance");
        var before = profile.Snapshot();

        var second = (await profile.RunAsync()).Exited(0);

        Assert.Equal(requestsAfterIssuance, CountRequests());
        Assert.Equal(before, profile.Snapshot());
        Assert.Empty(second.ErrorLines);
        Assert.DoesNotContain(second.Lines, l => l.Contains("created", StringComparison.Ordinal) || l.Contains("updating", StringComparison.Ordinal));
    }

    /// <summary>A run with nothing to do stays as light as it is fast: it reads the CA bundle (the preflight checks
    /// it holds a certificate) and the account key, but maps neither libssl nor libcrypto, seen through strace.</summary>
    [Fact]
    public async Task Run_with_nothing_to_do_checks_the_CA_bundle_without_loading_OpenSSL()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("light");
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, name));
        (await profile.RunAsync()).Exited(0);
        var traceFile = profile.PathOf("strace.out");

        using var shaman = ShamanProcess.Start([profile.Directory], wrapper: ["strace", "-f", "-qq", "-o", traceFile, "-e", "trace=openat"]);
        var run = await shaman.WaitAsync(ShamanProcess.DefaultTimeout);

        Assert.False(run.ExitCode == 127 || run.Stderr.Contains("strace:", StringComparison.Ordinal),
            $"this test needs strace (apt-get install -y strace):{Environment.NewLine}{run}");
        run.Exited(0);
        var opened = File.ReadAllLines(traceFile);
        Assert.Contains(opened, l => l.Contains($"\"{pebble.Server.CaBundlePath}\"", StringComparison.Ordinal));
        Assert.Contains(opened, l => l.Contains(ShamanProfile.AccountKeyFile, StringComparison.Ordinal));
        Assert.DoesNotContain(opened, l => l.Contains("libcrypto", StringComparison.Ordinal) || l.Contains("libssl", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_certificate_file_is_fetched_again_without_a_new_order()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName();
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, name));
        (await profile.RunAsync()).Exited(0);
        var certificateId = profile.ReadDomain(name)["certificate_id"]!.GetValue<string>();
        var pem = File.ReadAllText(profile.PathOf(ShamanProfile.CertificateFile(name)));
        File.Delete(profile.PathOf(ShamanProfile.CertificateFile(name)));

        var run = (await profile.RunAsync()).Exited(0);

        Assert.Equal(pem, File.ReadAllText(profile.PathOf(ShamanProfile.CertificateFile(name))));
        Assert.Equal(certificateId, profile.ReadDomain(name)["certificate_id"]!.GetValue<string>());
        Assert.DoesNotContain(run.Lines, l => l.Contains("created order", StringComparison.Ordinal));
    }

    /// <summary>Requests and POSTs Pebble logged so far; see <see cref="PebbleTraffic"/>.</summary>
    private (int All, int Posts) CountRequests() =>
        (PebbleTraffic.Requests(pebble.Server), PebbleTraffic.Posts(pebble.Server));
}
