using System.Reflection;
using System.Runtime.InteropServices;
using Concorde.Cli;
using Concorde.Shaman;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// The composition root: the only place that reads the process environment, owns the signals and turns
// the chosen mode's result into the exit code.
CoreDumps.Disable();
var invokedAs = Path.GetFileName(Environment.GetCommandLineArgs()[0]);
string[]? shamanArgs = invokedAs == "shaman" ? args : args is ["shaman", .. var rest] ? rest : null;
var caBundleFromEnvironment = Environment.GetEnvironmentVariable("CONCORDE_CA_BUNDLE");

// First, while the process has one thread: setenv(3) is not safe against a concurrent getenv.
var caBundle = shamanArgs is null ? CliCommand.CaBundle(args, caBundleFromEnvironment) : ProfileCaBundle.Find(shamanArgs, caBundleFromEnvironment);
if (caBundle is not null) OpenSslDefaultStore.PointAt(caBundle);

// "0.1.0+<commit>": the SDK appends the commit when it builds from a git checkout, not from a tarball.
var informationalVersion = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+') ?? ["0"];
var version = informationalVersion[0];
var build = $"{RuntimeInformation.RuntimeIdentifier}, {(informationalVersion is [_, var commit, ..] ? commit[..Math.Min(7, commit.Length)] : "unknown")}";

using var stop = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);

try
{
    if (shamanArgs is not null)
    {
        // Test-only switches; administrators never need them.
        var overrides = new ShamanOverrides(Environment.GetEnvironmentVariable("CONCORDE_SYSLOG_SOCKET"))
        {
            RequestTimeout = double.TryParse(Environment.GetEnvironmentVariable("CONCORDE_TEST_REQUEST_TIMEOUT"),
                System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : null,
        };
        var shaman = new ShamanEnvironment(Console.Out, Console.Error, TimeProvider.System, version)
        {
            CaBundleFromEnvironment = caBundleFromEnvironment,
            ProgramSearchPath = Environment.GetEnvironmentVariable("PATH"),
            OutputIsRedirected = Console.IsOutputRedirected,
            Build = build,
        };
        return await ShamanCommand.RunAsync(shamanArgs, shaman, stop.Token, overrides);
    }
    var cli = new CliEnvironment(Console.Out, Console.Error, TimeProvider.System, version, caBundleFromEnvironment)
    {
        EabHmacKeyFromEnvironment = Environment.GetEnvironmentVariable("CONCORDE_EAB_HMAC_KEY"),
        Build = build,
    };
    return await CliCommand.RunAsync(args, cli, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync($"{(shamanArgs is null ? "concorde" : "shaman")}: interrupted; stopped before finishing");
    return shamanArgs is null ? ExitCodes.Interrupted : ShamanExitCodes.Interrupted;
}
catch (Exception e)
{
    // Expected failures are handled where they happen; this is a bug. Keep the trace for the report, but exit
    // like any failure instead of aborting (and dumping core) from a cron job.
    await Console.Error.WriteLineAsync($"concorde: internal error, please report it with this text:\n{e}");
    return shamanArgs is null ? ExitCodes.Failure : ShamanExitCodes.Failure;
}

void Cancel(PosixSignalContext context)
{
    // Let the running work notice the token, save its state and exit with its own code.
    context.Cancel = true;
    stop.Cancel();
}

/// <summary>.NET reads OpenSSL's default store (every file under /etc/ssl/certs, tens of milliseconds and
/// megabytes) on the first chain build even in custom-root mode; when a bundle is all that is trusted anyway,
/// the store may as well be that bundle (bench/RESULTS.md: fresh issuance CPU 92 → 41 ms).</summary>
internal static partial class OpenSslDefaultStore
{
    /// <summary>Call it while the process has one thread. Child processes still get the original environment:
    /// .NET takes its copy of the environment first, and programs are started from that copy.</summary>
    public static void PointAt(string pemPath)
    {
        _ = Environment.GetEnvironmentVariables();
        _ = SetEnvironment("SSL_CERT_FILE", Path.GetFullPath(pemPath), 1);
        _ = SetEnvironment("SSL_CERT_DIR", "", 1);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);
}

/// <summary>The process holds private keys (the account's, every domain's): a crash must not write them into a core
/// file, and another process of the same user must not read them through ptrace or /proc.</summary>
internal static partial class CoreDumps
{
    private const int RlimitCore = 4;
    private const int PrSetDumpable = 4;

    public static void Disable()
    {
        var none = new ResourceLimit();
        _ = SetResourceLimit(RlimitCore, ref none);
        _ = SetProcessControl(PrSetDumpable, 0, 0, 0, 0);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceLimit
    {
        public nuint Current;
        public nuint Maximum;
    }

    [LibraryImport("libc", EntryPoint = "setrlimit")]
    private static partial int SetResourceLimit(int resource, ref ResourceLimit limit);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int SetProcessControl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
