using System.Net;

namespace Concorde.Acme.Http;

/// <summary>Requests carry signatures and certificates, so plain http is accepted only for a server on this
/// machine (a local test CA): every caller that takes a server URL asks here.</summary>
public static class LoopbackHttp
{
    /// <summary>True for https, and for http to localhost or a loopback address (127.0.0.0/8, ::1).</summary>
    public static bool IsAllowed(Uri url) =>
        url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && IsLoopback(url));

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.DnsSafeHost, out var address) && IPAddress.IsLoopback(address));
}
