using System.Security.Cryptography.X509Certificates;
using Concorde.Cli;

namespace Concorde.Tests.Support;

/// <summary>Runs <see cref="CliCommand"/> in process with captured streams and a given way to reach a server.</summary>
internal static class InProcessCli
{
    public static Task<(int Exit, string Output, string Error)> RunAsync(
        Func<X509Certificate2Collection?, HttpClient> createHttpClient, params string[] args) =>
        RunAsync(createHttpClient, environment => environment, args);

    /// <summary>With process settings changed by <paramref name="configure"/> (e.g. CONCORDE_EAB_HMAC_KEY).</summary>
    public static async Task<(int Exit, string Output, string Error)> RunAsync(
        Func<X509Certificate2Collection?, HttpClient> createHttpClient, Func<CliEnvironment, CliEnvironment> configure, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var environment = configure(new CliEnvironment(output, error, TimeProvider.System, "1.2.3", CaBundleFromEnvironment: null));
        var exit = await CliCommand.RunAsync(args, environment, createHttpClient, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>For command lines that must fail before any network traffic: reaching for a server fails the test.</summary>
    public static Task<(int Exit, string Output, string Error)> RunOfflineAsync(params string[] args) =>
        RunAsync(_ => throw new InvalidOperationException("this command line must fail before any network traffic"), args);
}
