namespace Concorde.Acme.Keys;

/// <summary>A key file that cannot be used; the message names the file and the reason.</summary>
public sealed class KeyFileException : ExpectedFailure
{
    public KeyFileException(string path, string reason, Exception? inner = null)
        : base($"{path}: {reason}", inner)
    {
        Path = path;
        Reason = reason;
    }

    public string Path { get; }
    public string Reason { get; }
}
