using System.Globalization;

namespace Concorde.Tests.Support;

/// <summary>Samples of a Prometheus text-format page, keyed by "name{labels}" exactly as written (HELP/TYPE lines skipped).</summary>
internal static class PrometheusText
{
    public static IReadOnlyDictionary<string, double> Samples(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith('#'))
            .ToDictionary(line => line[..line.LastIndexOf(' ')],
                line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture));
}
