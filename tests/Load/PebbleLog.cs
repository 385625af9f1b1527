using System.Text.RegularExpressions;
using Concorde.Tests.Support;

namespace Concorde.Tests.Load;

/// <summary>What Pebble's log says. Its front end logs "POST /path -> calling handler()" for every request before
/// looking at the JWS, so a request it then rejects (badNonce) is counted too.</summary>
internal static partial class PebbleLog
{
    /// <summary>Requests to <paramref name="path"/> (e.g. "/sign-me-up", Pebble's newAccount) logged so far.</summary>
    public static int Requests(PebbleServer server, string path) =>
        RequestLine().Matches(server.PebbleLog).Count(m => m.Groups["path"].Value == path);

    [GeneratedRegex(@"\b(?:GET|HEAD|POST) (?<path>/\S*) -> calling handler\(\)")]
    private static partial Regex RequestLine();
}
