using System.Text.RegularExpressions;
using Concorde.Tests.Support;

namespace Concorde.Tests.ShamanFeatures;

/// <summary>Requests Pebble's front end has logged ("POST /path -> calling handler()"). Tests of one class run one
/// at a time against their own Pebble, so the difference between two counts is one test's traffic.</summary>
internal static partial class PebbleTraffic
{
    /// <summary>Every request so far, or those to <paramref name="path"/> (e.g. "/sign-me-up", Pebble's newAccount).</summary>
    public static int Requests(PebbleServer server, string? path = null) =>
        RequestLine().Matches(server.PebbleLog).Count(m => path is null || m.Groups["path"].Value == path);

    [GeneratedRegex(@"\b(?:GET|HEAD|POST) (?<path>/\S*) -> calling handler\(\)")]
    private static partial Regex RequestLine();
}
