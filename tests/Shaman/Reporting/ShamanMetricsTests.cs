using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Contrib;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>`"metrics"`: after every run — issuance, no-op, failure — a Prometheus text file (mode 0644) whose values
/// are the certificate's and the recorded state's, accepted by promtool and served by a real node_exporter.</summary>
public sealed class ShamanMetricsTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    private const string MetricsFile = "metrics/concorde.prom";

    [Fact]
    public async Task Metrics_after_issuance_and_after_a_no_op_run_hold_the_certificate_and_state_and_promtool_accepts_them()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("metrics");
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, name);
        config["metrics"] = MetricsFile;
        Directory.CreateDirectory(profile.PathOf("metrics"));
        profile.Write(config);

        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        (await profile.RunAsync()).Exited(0);

        var path = profile.PathOf(MetricsFile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
        var text = File.ReadAllText(path);
        await AssertPromtoolAcceptsAsync(path);
        var samples = PrometheusText.Samples(text);
        var domain = Labels(profile, name);
        var run = $"{{profile=\"{Path.GetFileName(profile.Directory)}\"}}";
        using (var leaf = profile.AssertCertificate(name))
        {
            Assert.Equal(new DateTimeOffset(leaf.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(), samples["concorde_certificate_not_after_seconds" + domain]);
            Assert.Equal(new DateTimeOffset(leaf.NotBefore.ToUniversalTime()).ToUnixTimeSeconds(), samples["concorde_certificate_not_before_seconds" + domain]);
            // renewal 30 days: due 30 days before notAfter.
            Assert.Equal(new DateTimeOffset(leaf.NotAfter.ToUniversalTime()).AddDays(-30).ToUnixTimeSeconds(),
                samples["concorde_certificate_renewal_due_seconds" + domain], precision: 0);
        }
        Assert.Equal(0, samples["concorde_domain_failures" + domain]);
        Assert.Equal(0, samples["concorde_domain_deploy_pending" + domain]);
        Assert.DoesNotContain(samples.Keys, key => key.StartsWith("concorde_domain_served_ok", StringComparison.Ordinal));
        Assert.Equal(0, samples["concorde_run_exit_code" + run]);
        Assert.Equal(0, samples["concorde_profile_failures" + run]);
        Assert.InRange(samples["concorde_run_timestamp_seconds" + run], before - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.InRange(samples["concorde_run_duration_seconds" + run], 0, 600);
        var firstSuccess = samples["concorde_run_last_success_timestamp_seconds" + run];
        Assert.InRange(firstSuccess, before - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);

        // The no-op run writes the metrics, but no shaman.json.
        var state = profile.Text();
        var stateWritten = File.GetLastWriteTimeUtc(profile.JsonPath);
        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        (await profile.RunAsync()).Exited(0);

        Assert.Equal(state, profile.Text());
        Assert.Equal(stateWritten, File.GetLastWriteTimeUtc(profile.JsonPath));
        var again = PrometheusText.Samples(File.ReadAllText(path));
        Assert.Equal(samples["concorde_certificate_not_after_seconds" + domain], again["concorde_certificate_not_after_seconds" + domain]);
        Assert.Equal(samples["concorde_certificate_renewal_due_seconds" + domain], again["concorde_certificate_renewal_due_seconds" + domain]);
        Assert.True(again["concorde_run_timestamp_seconds" + run] > samples["concorde_run_timestamp_seconds" + run]);
        Assert.True(again["concorde_run_last_success_timestamp_seconds" + run] > firstSuccess);
        profile.AssertNoTemporaryFiles();
    }

    [Fact]
    public async Task A_failing_run_writes_its_exit_code_the_recorded_failures_and_keeps_the_last_success()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var (good, bad) = (ShamanProfile.UniqueName("metrics-good"), ShamanProfile.UniqueName("metrics-bad"));
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, good);
        config["metrics"] = "concorde.prom";
        profile.Write(config);
        (await profile.RunAsync()).Exited(0);
        var run = $"{{profile=\"{Path.GetFileName(profile.Directory)}\"}}";
        var success = PrometheusText.Samples(File.ReadAllText(profile.PathOf("concorde.prom")))["concorde_run_last_success_timestamp_seconds" + run];

        config = profile.Read();
        config["domains"]![bad] = new JsonObject { ["authenticators"] = new JsonObject { ["http-01"] = ShamanProfile.Failing } };
        config["domains"]![good]!["servedOk"] = false;
        profile.Write(config);
        (await profile.RunAsync()).Exited(1);

        var text = File.ReadAllText(profile.PathOf("concorde.prom"));
        await AssertPromtoolAcceptsAsync(profile.PathOf("concorde.prom"));
        var samples = PrometheusText.Samples(text);
        var recorded = profile.Read();
        Assert.Equal(1, samples["concorde_run_exit_code" + run]);
        Assert.Equal(success, samples["concorde_run_last_success_timestamp_seconds" + run]);
        Assert.Equal(recorded["domains"]![bad]!["failures"]!.GetValue<double>(), samples["concorde_domain_failures" + Labels(profile, bad)]);
        Assert.Equal(1, samples["concorde_domain_failures" + Labels(profile, bad)]);
        Assert.Equal(recorded["runFailures"]?.GetValue<double>() ?? 0, samples["concorde_profile_failures" + run]);
        Assert.DoesNotContain(samples.Keys, key => key.StartsWith("concorde_certificate_not_after_seconds" + Labels(profile, bad), StringComparison.Ordinal));
        // servedOk comes from the state as recorded after the run; absent there, absent here.
        var servedKey = "concorde_domain_served_ok" + Labels(profile, good);
        if (recorded["domains"]![good]!["servedOk"] is { } served) Assert.Equal(served.GetValue<bool>() ? 1 : 0, samples[servedKey]);
        else Assert.False(samples.ContainsKey(servedKey), text);
    }

    [Fact]
    public async Task Metrics_in_a_missing_directory_is_a_configuration_error_naming_the_field_before_anything_is_written()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("metrics-nowhere");
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, name);
        config["metrics"] = "no-such-directory/concorde.prom";
        profile.Write(config);
        var before = profile.Snapshot();

        var run = (await profile.RunAsync()).Exited(2);

        Assert.Contains("\"metrics\"", run.Stderr, StringComparison.Ordinal);
        Assert.Contains(profile.PathOf("no-such-directory/concorde.prom"), run.Stderr, StringComparison.Ordinal);
        Assert.Equal(before.Keys.Order(), profile.Snapshot().Keys.Order());
        Assert.Equal(before["shaman.json"].Content, profile.Text());
    }

    [Fact]
    public async Task A_real_node_exporter_serves_the_metrics_from_its_textfile_directory()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("metrics-scraped");
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, name);
        config["metrics"] = "textfile/concorde.prom";
        Directory.CreateDirectory(profile.PathOf("textfile"));
        profile.Write(config);
        (await profile.RunAsync()).Exited(0);
        var written = PrometheusText.Samples(File.ReadAllText(profile.PathOf("textfile/concorde.prom")));

        var port = FreePorts.GetTcpPort();
        using var exporter = LoggedProcess.Start(ContribScript.Locate("prometheus-node-exporter", "prometheus-node-exporter"), profile.Directory,
            [$"--web.listen-address=127.0.0.1:{port}", "--collector.disable-defaults", "--collector.textfile",
             $"--collector.textfile.directory={profile.PathOf("textfile")}"],
            new Dictionary<string, string>(), dropInherited: _ => false);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            string? page = null;
            await Eventually.WaitUntilAsync(async () =>
            {
                try
                {
                    page = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
                    return page.Contains("concorde_", StringComparison.Ordinal);
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(20), "node_exporter serving the metrics");
            var scraped = PrometheusText.Samples(page!);
            // node_exporter orders labels by name: domain before profile.
            var label = $"{{domain=\"{name}\",profile=\"{Path.GetFileName(profile.Directory)}\"}}";
            Assert.Equal(written["concorde_certificate_not_after_seconds" + Labels(profile, name)], scraped["concorde_certificate_not_after_seconds" + label]);
            Assert.Equal(written["concorde_domain_failures" + Labels(profile, name)], scraped["concorde_domain_failures" + label]);
            Assert.Equal(0, scraped["node_textfile_scrape_error"]);
        }
        finally
        {
            await exporter.StopAsync(TimeSpan.FromSeconds(5));
        }
    }

    private static string Labels(ShamanProfile profile, string domain) =>
        $"{{profile=\"{Path.GetFileName(profile.Directory)}\",domain=\"{domain}\"}}";

    private static async Task AssertPromtoolAcceptsAsync(string path)
    {
        var check = await ContribScript.RunAsync(ContribScript.Locate("promtool", "prometheus"), File.ReadAllText(path),
            new Dictionary<string, string>(), CancellationToken.None, "check", "metrics");
        Assert.True(check.ExitCode == 0 && check.Stdout.Trim().Length == 0 && check.Stderr.Trim().Length == 0, check.ToString());
    }
}
