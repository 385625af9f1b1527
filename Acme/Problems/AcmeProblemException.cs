using System.Net;
using Concorde.Acme.Wire;

namespace Concorde.Acme.Problems;

/// <summary>The server answered with a problem document (RFC 8555 §6.7), or a resource reported one.</summary>
public sealed class AcmeProblemException : AcmeException
{
    public AcmeProblemException(Problem problem, HttpStatusCode? status, Uri? url, TimeSpan? retryAfter)
        : base(Describe(problem, url), status: status)
    {
        Problem = problem;
        Url = url;
        RetryAfter = retryAfter;
    }

    public Problem Problem { get; }
    public ProblemKind Kind => Problem.Kind;
    /// <summary>The problem the server recorded on a resource (a challenge's or an order's "error",
    /// §7.1.3, §7.1.5), found while polling, rather than a request the server refused.</summary>
    public bool RecordedOnResource => HttpStatus is null;
    public Uri? Url { get; }
    /// <summary>How long the server asked us to wait (Retry-After), if it said.</summary>
    public TimeSpan? RetryAfter { get; }

    private static string Describe(Problem problem, Uri? url)
    {
        var text = problem.ToString();
        return url is null ? text : $"{text} [{url}]";
    }
}
