namespace Concorde.Acme.Files;

/// <summary>A file was read but does not hold what it should (a CA bundle without a certificate, a PEM file
/// without one): a content error, not an I/O error. The message names the file.</summary>
public sealed class FileContentException(string message, Exception? inner = null) : ExpectedFailure(message, inner);
