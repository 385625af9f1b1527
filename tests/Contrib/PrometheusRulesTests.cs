using Xunit;

namespace Concorde.Tests.Contrib;

/// <summary>contrib/prometheus/concorde-rules.yml is valid for Prometheus and its alerts fire exactly as its unit
/// tests (concorde-rules.test.yml) say.</summary>
public sealed class PrometheusRulesTests
{
    private static string Rules => ContribScript.PathOf("prometheus/concorde-rules.yml");

    [Fact]
    public async Task Promtool_accepts_the_rules()
    {
        var check = await PromtoolAsync("check", "rules", Rules);

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("SUCCESS: 7 rules found", check.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_alerts_pass_their_promtool_unit_tests()
    {
        var test = await PromtoolAsync("test", "rules", ContribScript.PathOf("prometheus/concorde-rules.test.yml"));

        Assert.True(test.ExitCode == 0, test.ToString());
        Assert.Contains("SUCCESS", test.Stdout + test.Stderr, StringComparison.Ordinal);
    }

    private static Task<ScriptRun> PromtoolAsync(params string[] arguments) =>
        ContribScript.RunAsync(ContribScript.Locate("promtool", "prometheus"), stdin: "", new Dictionary<string, string>(),
            CancellationToken.None, arguments);
}
