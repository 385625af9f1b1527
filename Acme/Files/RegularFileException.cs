namespace Concorde.Acme.Files;

/// <summary>A path that must be a small regular file is something else (a directory, a pipe, a device) or too large.
/// <see cref="Reason"/> says which, to follow the file's name.</summary>
public sealed class RegularFileException(string path, string reason) : ExpectedFailure($"{path}: {reason}")
{
    public string Path { get; } = path;
    public string Reason { get; } = reason;
}
