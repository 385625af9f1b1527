using System.Net;

namespace Concorde.Acme.Problems;

/// <summary>Base of everything the ACME library throws about a server exchange.</summary>
public abstract class AcmeException : ExpectedFailure
{
    protected AcmeException(string message, Exception? inner = null, HttpStatusCode? status = null) : base(message, inner)
    {
        HttpStatus = status;
    }

    /// <summary>The HTTP status of the answer that failed, with or without a problem document; null when there
    /// was no answer or the problem was recorded on a resource. A 404 means the resource does not exist, whatever
    /// the body says (RFC 7807 §4.2: no problem type means the status code is the whole story).</summary>
    public HttpStatusCode? HttpStatus { get; }

    /// <summary>The server says the resource is gone (404) — with a problem document or without one, as Pebble
    /// answers for an order or certificate it does not know.</summary>
    public bool IsNotFound => HttpStatus == HttpStatusCode.NotFound;
}
