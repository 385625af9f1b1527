using System.Security.Cryptography.X509Certificates;
using Concorde.Acme;
using Concorde.Acme.Http;
using Concorde.Acme.Problems;

namespace Concorde.Cli;

/// <summary>The `concorde` command line (everything but `shaman`): split the arguments, answer --help and
/// --version, route to one leaf command, and turn what it throws into a message and an exit status.</summary>
public static class CliCommand
{
    public static Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken ct) =>
        RunAsync(args, environment, roots => AcmeHttpClientFactory.Create(environment.Version, roots), ct);

    /// <summary>The CA bundle `concorde args` will trust: --ca-bundle, else <paramref name="fromEnvironment"/>
    /// (CONCORDE_CA_BUNDLE); null for the system roots. Synchronous, so the composition root can point OpenSSL's
    /// default store at it while the process still has one thread.</summary>
    public static string? CaBundle(string[] args, string? fromEnvironment) =>
        CaBundle(ArgumentSplitter.Split(args), fromEnvironment);

    private static string? CaBundle(SplitArguments split, string? fromEnvironment) =>
        split.CaBundle ?? (string.IsNullOrEmpty(fromEnvironment) ? null : fromEnvironment);

    /// <summary>For tests: <paramref name="createHttpClient"/> gets the trusted roots of --ca-bundle (or null).</summary>
    internal static async Task<int> RunAsync(string[] args, CliEnvironment environment,
        Func<X509Certificate2Collection?, HttpClient> createHttpClient, CancellationToken ct)
    {
        var printer = new OutputPrinter(environment.Out, environment.Error);
        var split = ArgumentSplitter.Split(args);
        CliContext? context = null;
        try
        {
            if (split.GlobalMistakes.Count > 0) throw new UsageException(CommandHelp.Root, split.GlobalMistakes[0]);
            if (split.Version)
            {
                printer.Line(environment.Build is null ? $"concorde {environment.Version}" : $"concorde {environment.Version} ({environment.Build})");
                return ExitCodes.Success;
            }
            if (split.Words is ["help", ..])
            {
                printer.Help(CliRouter.HelpTopic(split.Words.SkipWhile(w => w == "help")));
                return ExitCodes.Success;
            }
            if (split.Help)
            {
                printer.Help(CliRouter.HelpFor(split.Words));
                return ExitCodes.Success;
            }
            context = new CliContext(environment, printer, CaBundle(split, environment.CaBundleFromEnvironment), createHttpClient, ct);
            return await CliRouter.RouteAsync(split, context);
        }
        catch (UsageException e)
        {
            printer.UsageError(e);
            return ExitCodes.Usage;
        }
        catch (AcmeProblemException e)
        {
            printer.Problem(e);
            foreach (var hint in context?.HintsFor(e) ?? [])
                printer.Note(hint);
            return ExitCodes.Failure;
        }
        catch (Exception e) when (ExpectedFailure.Is(e))
        {
            printer.Failure(e);
            return ExitCodes.Failure;
        }
    }
}
