using Concorde.Acme;

namespace Concorde.Cli;

/// <summary>A command that cannot do what was asked for a reason found while doing it (an order without a
/// certificate, an index past the end, names that do not match the order). Exit status 1.</summary>
internal sealed class CommandFailedException(string message) : ExpectedFailure(message);
