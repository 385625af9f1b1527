using System.Text.RegularExpressions;

namespace Concorde.Tests.Support;

/// <summary>Requests Pebble's front end has logged ("POST /path -> calling handler()"). It logs every request before
/// looking at the JWS, so a request it then rejects (badNonce) is counted too. Tests of one class run one at a time
/// against their own Pebble, so the difference between two counts is one test's traffic.</summary>
internal static partial class PebbleTraffic
{
    /// <summary>Every request so far, or those to <paramref name="path"/> (e.g. "/sign-me-up", Pebble's newAccount).</summary>
    public static int Requests(PebbleServer server, string? path = null) =>
        RequestLine().Matches(server.PebbleLog).Count(m => path is null || m.Groups["path"].Value == path);

    /// <summary>Every POST so far (all signed ACME requests, POST-as-GET included).</summary>
    public static int Posts(PebbleServer server) =>
        RequestLine().Matches(server.PebbleLog).Count(m => m.Groups["method"].Value == "POST");

    [GeneratedRegex(@"\b(?<method>GET|HEAD|POST) (?<path>/\S*) -> calling handler\(\)")]
    private static partial Regex RequestLine();
}
