namespace Concorde.Acme.Problems;

/// <summary>Base of everything the ACME library throws about a server exchange.</summary>
public abstract class AcmeException : Exception
{
    protected AcmeException(string message, Exception? inner = null) : base(message, inner) { }
}
