namespace Concorde.Acme.Problems;

/// <summary>A resource did not reach a final state within the polling limit.</summary>
public sealed class AcmeTimeoutException : AcmeException
{
    public AcmeTimeoutException(string message) : base(message) { }
}
