using System.Reflection;
using System.Runtime.InteropServices;
using Concorde.Cli;
using Concorde.Shaman;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// The composition root: the only place that reads the process environment, owns the signals and turns
// the chosen mode's result into the exit code.
var version = typeof(ExitCodes).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

using var stop = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);

// Test-only switches; administrators never need them.
var overrides = new ShamanOverrides(Environment.GetEnvironmentVariable("CONCORDE_SYSLOG_SOCKET"),
    int.TryParse(Environment.GetEnvironmentVariable("CONCORDE_TEST_KILL_AFTER_SAVE"), out var killAfter) ? killAfter : null)
{
    RequestTimeout = double.TryParse(Environment.GetEnvironmentVariable("CONCORDE_TEST_REQUEST_TIMEOUT"),
        System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : null,
};
var invokedAs = Path.GetFileName(Environment.GetCommandLineArgs()[0]);
var environment = new AppEnvironment(Console.Out, Console.Error, TimeProvider.System, version,
    Environment.GetEnvironmentVariable("CONCORDE_CA_BUNDLE"))
{
    OutputIsRedirected = Console.IsOutputRedirected,
    EabHmacKeyFromEnvironment = Environment.GetEnvironmentVariable("CONCORDE_EAB_HMAC_KEY"),
};
try
{
    if (invokedAs == "shaman")
        return await ShamanCommand.RunAsync(args, environment, stop.Token, overrides);
    if (args is ["shaman", .. var rest])
        return await ShamanCommand.RunAsync(rest, environment, stop.Token, overrides);
    return await CliCommand.RunAsync(args, environment, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync($"{(invokedAs == "shaman" ? "shaman" : "concorde")}: interrupted; stopped before finishing");
    return ExitCodes.Interrupted;
}
catch (Exception e)
{
    // Expected failures are handled where they happen; this is a bug. Keep the trace for the report, but exit
    // like any failure instead of aborting (and dumping core) from a cron job.
    await Console.Error.WriteLineAsync($"concorde: internal error, please report it with this text:\n{e}");
    return ExitCodes.Failure;
}

void Cancel(PosixSignalContext context)
{
    // Let the running work notice the token, save its state and exit with its own code.
    context.Cancel = true;
    stop.Cancel();
}
