using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Concorde.Acme.Http;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Concorde.Tests.Faults;

/// <summary>Network and server faults end to end: the published binary, run as `shaman`, against Pebble behind a
/// <see cref="FaultProxy"/>. A fault HTTP allows retrying is ridden out within the run; any other fails only its
/// domain, with one ERROR line naming it, and leaves no partial file and every key untouched; the next run without
/// faults completes the certificate with the same keys. (A failed domain backs off for an hour; the next run here
/// is the administrator's `--force` after fixing the cause, which skips that wait.)</summary>
public sealed class ShamanFaultTests(PebbleFixture pebble, ITestOutputHelper output) : IClassFixture<PebbleFixture>
{
    private static readonly string[] LevelPrefixes = ["DEBUG ", "INFO ", "WARNING ", "ERROR ", "CRITICAL "];

    [Fact]
    public async Task Retryable_faults_on_every_step_are_ridden_out_in_one_run()
    {
        var name = ShamanProfile.UniqueName("retry");
        await using var test = Start(name);
        var (proxy, profile) = test;
        FaultRule[] rules =
        [
            proxy.Inject(Fault.ServerError(503, retryAfterSeconds: 1), HttpMethod.Post, PebblePaths.NewOrder),
            // Twice: HttpClient itself resends once a request that failed on a pooled connection.
            proxy.Inject(Fault.DropBeforeResponse(afterForwarding: true), HttpMethod.Post, PebblePaths.Challenge, times: 2),
            proxy.Inject(Fault.RateLimited(1), HttpMethod.Post, PebblePaths.Finalize),
            proxy.Inject(Fault.DropMidBody(), HttpMethod.Post, PebblePaths.Certificate),
        ];

        var run = (await profile.RunAsync()).Exited(0);

        output.WriteLine(run.ToString());
        using var leaf = profile.AssertCertificate(name);
        Assert.Empty(run.ErrorLines);
        Assert.All(rules, rule => Assert.True(rule.Applied > 0, $"{rule.Faults[0]} never applied{Environment.NewLine}{run}"));
        profile.AssertNoTemporaryFiles();
        // Each retry line names the domain it is for: domains run side by side on one client.
        var retries = run.Lines.Where(l => l.Contains("; retrying in ", StringComparison.Ordinal)).ToList();
        Assert.Contains(retries, l => l.Contains("answered HTTP 503", StringComparison.Ordinal));
        Assert.All(retries, l => Assert.StartsWith($"INFO {name}: ", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Answer_lost_after_finalize_stalled_past_the_timeout_is_recovered_in_the_same_run()
    {
        var name = ShamanProfile.UniqueName("stall");
        await using var test = Start(name);
        var (proxy, profile) = test;
        // The CA finalizes, but its answer never comes: the retry, with a fresh nonce, finds the order past "ready".
        var rule = proxy.Inject(Fault.Stall(TimeSpan.FromSeconds(30), afterForwarding: true), HttpMethod.Post, PebblePaths.Finalize);
        var clock = Stopwatch.StartNew();

        var run = (await profile.RunAsync(new Dictionary<string, string> { ["CONCORDE_TEST_REQUEST_TIMEOUT"] = "1" })).Exited(0);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        using var leaf = profile.AssertCertificate(name);
        Assert.Equal(1, rule.Applied);
        Assert.Empty(run.ErrorLines);
    }

    public static TheoryData<string> DomainFaults => new(Cases.Keys);

    public static TheoryData<string> RunFaults => new(RunCases.Keys);

    /// <summary>Faults that are not a domain's (the directory, the account): what the run's one ERROR line says.</summary>
    private static readonly Dictionary<string, (Func<FaultProxy, FaultRule> Inject, string Scope, string Says)> RunCases = new()
    {
        ["new account without Location"] = (p => p.Inject(Fault.WithoutHeader("Location"), HttpMethod.Post, PebblePaths.NewAccount,
            FaultRule.Always), "account: ", "has no Location header"),
        ["directory without newOrder"] = (p => p.Inject(Fault.WithoutJsonMembers("newOrder"), HttpMethod.Get, PebblePaths.Directory,
            FaultRule.Always), "server: ", "is not an ACME directory: it has no newOrder"),
    };

    [Theory]
    [MemberData(nameof(RunFaults))]
    public async Task Fault_outside_the_domains_fails_the_run_once_then_the_forced_run_issues(string fault)
    {
        var (inject, scope, says) = RunCases[fault];
        string[] names = [ShamanProfile.UniqueName("runfault1"), ShamanProfile.UniqueName("runfault2")];
        await using var test = Start(names);
        var (proxy, profile) = test;
        var rule = inject(proxy);

        var failed = (await profile.RunAsync()).Exited(1);

        Assert.True(rule.Applied > 0);
        AssertRunFailedWithOneLine(failed, scope);
        Assert.Contains(says, failed.ErrorLines[0], StringComparison.Ordinal);
        foreach (var name in names) Assert.Null(profile.Read()["domains"]?[name]?["failures"]);

        proxy.ClearFaults();
        (await RunForcedAsync(profile)).Exited(0);

        foreach (var name in names) using (profile.AssertCertificate(name)) { }
        Assert.Null(profile.Read()["runFailures"]);
    }


    /// <summary>Faults no retry can fix, what shaman must say, and where they strike.</summary>
    private static readonly Dictionary<string, (Func<FaultProxy, FaultRule> Inject, string Says)> Cases = new()
    {
        ["certificate with the wrong content type"] = (p => p.Inject(Fault.ContentType("application/json"), HttpMethod.Post,
            PebblePaths.Certificate, FaultRule.Always), "instead of application/pem-certificate-chain"),
        ["certificate chain cut short"] = (p => p.Inject(Fault.TruncatedBody(0.6), HttpMethod.Post, PebblePaths.Certificate,
            FaultRule.Always), "ends in the middle of a certificate"),
        ["authorization with truncated JSON"] = (p => p.Inject(Fault.TruncatedBody(), HttpMethod.Post, PebblePaths.Authorization,
            FaultRule.Always), "malformed JSON"),
        ["order with malformed JSON"] = (p => p.Inject(Fault.MalformedJson(), HttpMethod.Post, PebblePaths.Order, FaultRule.Always),
            "malformed JSON"),
        ["new order without Location"] = (p => p.Inject(Fault.WithoutHeader("Location"), HttpMethod.Post, PebblePaths.NewOrder,
            FaultRule.Always), "has no Location header"),
        ["rate limited for an hour"] = (p => p.Inject(Fault.RateLimited(3600), HttpMethod.Post, PebblePaths.NewOrder, FaultRule.Always),
            "the CA asks to wait 60 minutes"),
    };

    [Theory]
    [MemberData(nameof(DomainFaults))]
    public async Task Fault_fails_the_domain_with_one_line_then_the_next_clean_run_issues(string fault)
    {
        var (inject, says) = Cases[fault];
        var name = ShamanProfile.UniqueName("fault");
        await using var test = Start(name);
        var (proxy, profile) = test;
        var rule = inject(proxy);

        var failed = (await profile.RunAsync()).Exited(1);

        Assert.True(rule.Applied > 0);
        AssertFailedWithOneLine(failed, name, says);
        Assert.False(File.Exists(profile.PathOf(ShamanProfile.CertificateFile(name))), "no certificate file after a failed issuance");
        profile.AssertNoTemporaryFiles();
        var keys = KeyHashes(profile);

        proxy.ClearFaults();
        var clean = (await RunForcedAsync(profile)).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        Assert.Empty(clean.ErrorLines);
        Assert.All(keys, key => Assert.Equal(key.Value, KeyHashes(profile).GetValueOrDefault(key.Key)));
    }

    [Fact]
    public async Task Certificate_refused_for_one_domain_does_not_stop_the_next()
    {
        string[] names = [ShamanProfile.UniqueName("first"), ShamanProfile.UniqueName("second")];
        await using var test = Start(names);
        var (proxy, profile) = test;
        // Only the first certificate download, whichever domain's it is (domains run side by side).
        proxy.Inject(Fault.ContentType("text/html"), HttpMethod.Post, PebblePaths.Certificate);

        var run = (await profile.RunAsync()).Exited(1);

        var failed = names.Single(name => run.ErrorLines.Any(l => l.StartsWith($"ERROR {name}: ", StringComparison.Ordinal)));
        AssertFailedWithOneLine(run, failed, "'text/html' instead of application/pem-certificate-chain");
        Assert.False(File.Exists(profile.PathOf(ShamanProfile.CertificateFile(failed))));
        using (profile.AssertCertificate(names.Single(name => name != failed))) { }
        var keys = KeyHashes(profile);

        (await RunForcedAsync(profile)).Exited(0);

        using (profile.AssertCertificate(failed)) { }
        Assert.Equal(keys, KeyHashes(profile));
    }

    [Fact]
    public async Task Directory_that_stays_unavailable_fails_every_domain_after_one_round_of_retries()
    {
        string[] names = [ShamanProfile.UniqueName("down1"), ShamanProfile.UniqueName("down2"), ShamanProfile.UniqueName("down3")];
        await using var test = Start(names);
        var (proxy, profile) = test;
        proxy.Inject(Fault.ServerError(503, retryAfterSeconds: 0), HttpMethod.Get, PebblePaths.Directory, FaultRule.Always);

        var run = (await profile.RunAsync()).Exited(1);

        AssertRunFailedWithOneLine(run, "server: ");
        Assert.Contains("answered HTTP 503", run.ErrorLines[0], StringComparison.Ordinal);
        // One request and the client's retries (AcmeClientOptions.MaxTransientRetries); not that again per domain.
        Assert.Equal(4, proxy.RequestsTo(HttpMethod.Get, PebblePaths.Directory).Count);
        Assert.Equal(1, (int)profile.Read()["runFailures"]!);
        foreach (var name in names) Assert.Null(profile.Read()["domains"]?[name]?["failures"]);
        var keys = KeyHashes(profile);

        var status = (await ShamanProcess.RunAsync(["--status", profile.Directory])).Exited(1);
        Assert.Contains("the last run failed (1 failed attempt): server: ", status.Stdout, StringComparison.Ordinal);
        var json = JsonNode.Parse((await ShamanProcess.RunAsync(["--status", "--json", profile.Directory])).Exited(1).Stdout)!;
        Assert.Equal(1, (int)json["run"]!["failures"]!);
        Assert.StartsWith("server: ", (string)json["run"]!["lastError"]!, StringComparison.Ordinal);
        var dryRun = (await ShamanProcess.RunAsync(["--dry-run", profile.Directory])).Exited(1);
        Assert.Contains("runs skip until", dryRun.Stdout, StringComparison.Ordinal);

        proxy.ClearFaults();
        var skipped = (await profile.RunAsync()).Exited(1);
        Assert.Contains(skipped.Lines, l => l.StartsWith("WARNING skipped after 1 failed attempt", StringComparison.Ordinal) && l.Contains("--force", StringComparison.Ordinal));
        Assert.Empty(skipped.ErrorLines);
        Assert.Equal(4, proxy.RequestsTo(HttpMethod.Get, PebblePaths.Directory).Count);
        (await RunForcedAsync(profile)).Exited(0);

        foreach (var name in names) using (profile.AssertCertificate(name)) { }
        Assert.Equal(keys, KeyHashes(profile));
        Assert.Null(profile.Read()["runFailures"]);
    }

    [Fact]
    public async Task Fifty_megabyte_body_is_refused_in_bounded_memory_then_the_next_run_issues()
    {
        var name = ShamanProfile.UniqueName("huge");
        await using var test = Start(name);
        var (proxy, profile) = test;
        // Chunked, so only counting the bytes can stop it.
        proxy.Inject(Fault.HugeBody(50L * 1024 * 1024, declareLength: false), HttpMethod.Post, PebblePaths.Authorization, FaultRule.Always);

        var (failed, peakKiB) = await RunMeasuringPeakMemoryAsync(profile);
        output.WriteLine($"peak resident memory (VmHWM): {peakKiB} KiB");

        failed.Exited(1);
        AssertFailedWithOneLine(failed, name, $"more than {AcmeHttpClientFactory.MaxResponseBytes} bytes");
        // The refused body is at most 4 MiB; buffering 50 MiB would show up many times over.
        Assert.True(peakKiB < 48 * 1024, $"peak resident memory {peakKiB} KiB");
        var keys = KeyHashes(profile);

        proxy.ClearFaults();
        (await RunForcedAsync(profile)).Exited(0);

        using var leaf = profile.AssertCertificate(name);
        Assert.Equal(keys, KeyHashes(profile));
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /// <summary>A fresh profile for <paramref name="names"/> (http-01 through challtestsrv) whose server is Pebble
    /// behind a new <see cref="FaultProxy"/>.</summary>
    private ProxiedProfile Start(params string[] names)
    {
        var proxy = FaultProxy.Start(pebble.Server);
        var profile = new ShamanProfile(pebble.Server);
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, names);
        config["server"] = proxy.DirectoryUrl.AbsoluteUri;
        profile.Write(config);
        return new ProxiedProfile(proxy, profile);
    }

    private sealed record ProxiedProfile(FaultProxy Proxy, ShamanProfile Profile) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Proxy.DisposeAsync();
            Profile.Dispose();
        }
    }

    /// <summary>Exactly one ERROR line about <paramref name="name"/>, saying <paramref name="says"/>, plus the
    /// summary; every line of output is a log line (a message with a line break would break that).</summary>
    private string AssertFailedWithOneLine(ShamanRun run, string name, string says)
    {
        output.WriteLine(run.ToString());
        Assert.All(run.Lines, line => Assert.Contains(LevelPrefixes, prefix => line.StartsWith(prefix, StringComparison.Ordinal)));
        var error = Assert.Single(run.ErrorLines, l => l.StartsWith($"ERROR {name}: ", StringComparison.Ordinal));
        Assert.Contains(says, error, StringComparison.Ordinal);
        Assert.Contains(run.ErrorLines, l => l.Contains("domains failed", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", run.Stdout + run.Stderr, StringComparison.Ordinal);
        return error;
    }

    /// <summary>A run-level failure as the administrator sees it: exactly one ERROR line, starting with
    /// <paramref name="says"/>, no per-domain line, no "domains failed" count, and the profile-level record.</summary>
    private void AssertRunFailedWithOneLine(ShamanRun run, string says)
    {
        output.WriteLine(run.ToString());
        var error = Assert.Single(run.ErrorLines);
        Assert.Contains(says, error, StringComparison.Ordinal);
        Assert.StartsWith("ERROR ", error, StringComparison.Ordinal);
        Assert.True(error.StartsWith("ERROR server: ", StringComparison.Ordinal) || error.StartsWith("ERROR account: ", StringComparison.Ordinal), error);
        Assert.DoesNotContain("   at ", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>`shaman --force`: what an administrator runs after fixing the cause of a failure.</summary>
    private static Task<ShamanRun> RunForcedAsync(ShamanProfile profile) => ShamanProcess.RunAsync(["--force", profile.Directory]);

    private static Dictionary<string, string> KeyHashes(ShamanProfile profile) =>
        Directory.EnumerateFiles(profile.Directory, "*.key.priv.pem").ToDictionary(
            path => Path.GetFileName(path)!, path => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))));


    /// <summary>Runs shaman and samples its peak resident set (VmHWM) until it exits.</summary>
    private static async Task<(ShamanRun Run, long PeakKiB)> RunMeasuringPeakMemoryAsync(ShamanProfile profile)
    {
        using var shaman = ShamanProcess.Start([profile.Directory]);
        var status = $"/proc/{shaman.ProcessId}/status";
        long peak = 0;
        while (!shaman.HasExited)
        {
            try
            {
                foreach (var line in await File.ReadAllLinesAsync(status))
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                        peak = Math.Max(peak, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (IOException)
            {
                break; // exited between the check and the read
            }
            await Task.Delay(5);
        }
        Assert.True(peak > 0, "no VmHWM sample was taken");
        return (await shaman.WaitAsync(ShamanProcess.DefaultTimeout), peak);
    }
}
