using System.Text.RegularExpressions;

namespace Concorde.Tests.Support;

/// <summary>Requests Pebble's front end has logged ("POST /path -> calling handler()"). It logs every request before
/// looking at the JWS, so a request it then rejects (badNonce) is counted too. Tests of one class run one at a time
/// against their own Pebble, so the difference between two counts is one test's traffic. Requests to keyChange are
/// not counted: shaman never changes its account key, and <see cref="SettledRequestsAsync"/> uses them as log markers.</summary>
internal static partial class PebbleTraffic
{
    /// <summary>Pebble's keyChange: it logs a POST there (as "POST /rollover-account-key"), then refuses ours.</summary>
    private const string MarkerPath = "/rollover-account-key";

    /// <summary>Every request so far, or those to <paramref name="path"/> (e.g. "/sign-me-up", Pebble's newAccount).</summary>
    public static int Requests(PebbleServer server, string? path = null) =>
        LoggedRequests(server).Count(m => path is null || m.Groups["path"].Value == path);

    /// <summary>Every POST so far (all signed ACME requests, POST-as-GET included).</summary>
    public static int Posts(PebbleServer server) =>
        LoggedRequests(server).Count(m => m.Groups["method"].Value == "POST");

    /// <summary><see cref="Requests"/> once the log has caught up with every request Pebble answered so far. Pebble
    /// logs a request before handling it and its log is read in order, so once a marker request sent now shows in
    /// the log, so does everything before it.</summary>
    public static async Task<int> SettledRequestsAsync(PebbleServer server, CancellationToken ct = default)
    {
        // Every earlier marker was waited for, so the markers logged so far are all of them.
        var markers = Markers(server);
        using (var http = server.CreateTrustingHttpClient())
        using (await http.PostAsync(new Uri(server.DirectoryUrl, MarkerPath), new ByteArrayContent([]), ct)) { }
        await Eventually.WaitUntilAsync(() => Markers(server) > markers, TimeSpan.FromSeconds(10), "Pebble to log a marker request", ct);
        return Requests(server);
    }

    private static int Markers(PebbleServer server) =>
        RequestLine().Matches(server.PebbleLog).Count(m => m.Groups["path"].Value == MarkerPath);

    private static IEnumerable<Match> LoggedRequests(PebbleServer server) =>
        RequestLine().Matches(server.PebbleLog).Where(m => m.Groups["path"].Value != MarkerPath);

    [GeneratedRegex(@"\b(?<method>GET|HEAD|POST) (?<path>/\S*) -> calling handler\(\)")]
    private static partial Regex RequestLine();
}
