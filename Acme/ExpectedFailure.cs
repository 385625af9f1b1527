using System.Security.Cryptography;

namespace Concorde.Acme;

/// <summary>Base of the project's expected failures: what a person or the world can cause (a CA's refusal, a
/// broken file, a bad setting, a failing program), each with a message that says what and where. Caught only at
/// a command boundary, where it becomes a message and an exit status; anything else is a bug. Here, in the
/// bottom layer, because both upper layers derive from it and Acme names neither.</summary>
public abstract class ExpectedFailure : Exception
{
    protected ExpectedFailure(string message, Exception? inner = null) : base(message, inner)
    {
    }

    /// <summary>The one predicate of every command boundary: ours, and what the runtime throws about files,
    /// permissions and key material. Network errors never arrive as such: AcmeClient turns them into
    /// <see cref="Problems.AcmeException"/>.</summary>
    public static bool Is(Exception e) =>
        e is ExpectedFailure or CryptographicException || IsFileProblem(e);

    /// <summary>What the runtime throws when a file cannot be read or written: missing, a directory, no permission, a
    /// full disk.</summary>
    public static bool IsFileProblem(Exception e) => e is IOException or UnauthorizedAccessException;
}
