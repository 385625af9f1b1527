namespace Concorde.Acme.Problems;

/// <summary>The server's answer could not be used: wrong status without a problem document, missing
/// header, malformed JSON, unexpected media type, an oversized body, or no answer at all.</summary>
public sealed class AcmeProtocolException : AcmeException
{
    public AcmeProtocolException(string message, Exception? inner = null, System.Net.HttpStatusCode? status = null)
        : base(message, inner, status) { }
}
