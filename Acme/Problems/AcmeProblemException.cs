using System.Net;
using Concorde.Acme.Wire;

namespace Concorde.Acme.Problems;

/// <summary>The server answered with a problem document (RFC 8555 §6.7), or a resource reported one.</summary>
public sealed class AcmeProblemException : AcmeException
{
    private AcmeProblemException(Problem problem, HttpStatusCode? status, Uri url, TimeSpan? retryAfter, HttpMethod? method)
        : base(Describe(problem, Request(method, url)), status: status)
    {
        Problem = problem;
        Url = url;
        Method = method;
        RetryAfter = retryAfter;
    }

    /// <summary>The server refused <paramref name="method"/> <paramref name="url"/> with a problem document (§6.7).</summary>
    public static AcmeProblemException Refused(Problem problem, HttpMethod method, Uri url, HttpStatusCode status, TimeSpan? retryAfter) =>
        new(problem, status, url, retryAfter, method);

    /// <summary>The problem the server recorded on <paramref name="resource"/> (its "error", §7.1.3, §7.1.5), found
    /// while polling it.</summary>
    public static AcmeProblemException RecordedOn(Uri resource, Problem problem) =>
        new(problem, status: null, resource, retryAfter: null, method: null);

    public Problem Problem { get; }
    public ProblemKind Kind => Problem.Kind;
    /// <summary>The problem the server recorded on a resource (a challenge's or an order's "error",
    /// §7.1.3, §7.1.5), found while polling, rather than a request the server refused.</summary>
    public bool RecordedOnResource => HttpStatus is null;
    /// <summary>The refused request's URL, or the resource the problem was recorded on.</summary>
    public Uri Url { get; }
    /// <summary>The method of the refused request (POST for every signed request, §6.2); null for a problem
    /// recorded on a resource.</summary>
    public HttpMethod? Method { get; }
    /// <summary>How long the server asked us to wait (Retry-After), if it said.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The problem, then what was asked: `malformed: Method not allowed [GET https://…/acct/1]`, so a
    /// message names the URL (and method) that failed even when the server's detail does not.</summary>
    private static string Describe(Problem problem, string request) => $"{problem} [{request}]";

    private static string Request(HttpMethod? method, Uri url) => method is null ? url.ToString() : $"{method} {url}";
}
