using Concorde.Acme;

namespace Concorde.Cli;

/// <summary>The arguments do not fit the command; nothing was done. Shown with the usage of
/// <see cref="Page"/> and exit status 2.</summary>
internal sealed class UsageException(HelpPage page, string message) : ExpectedFailure(message)
{
    public HelpPage Page { get; } = page;
}
