using System.Diagnostics;

namespace Concorde.Tests.Support;

/// <summary>How the tests start the programs they drive (the concorde binary, contrib scripts): all three streams
/// redirected, and a run to completion that is killed, with its whole process tree, when it hangs.</summary>
internal static class ChildProcess
{
    /// <summary><paramref name="program"/> with <paramref name="arguments"/> and stdin, stdout and stderr redirected,
    /// started through env(1) with every signal at its default, as from a terminal: a test run started as a
    /// script's background job ignores SIGINT and SIGQUIT, under nohup SIGHUP, and .NET passes an ignored signal on
    /// to its children. env execs the program, so the process id is the program's.</summary>
    public static ProcessStartInfo Redirected(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/env")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--default-signal");
        start.ArgumentList.Add("--");
        start.ArgumentList.Add(program);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        return start;
    }

    /// <summary>Replaces the inherited environment with PATH plus <paramref name="environment"/>, as cron leaves it.</summary>
    public static ProcessStartInfo WithOnlyPathAnd(this ProcessStartInfo start, IReadOnlyDictionary<string, string>? environment)
    {
        start.Environment.Clear();
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        return start;
    }

    /// <summary>Runs <paramref name="start"/> to completion with <paramref name="stdin"/>; a run that outlasts
    /// <paramref name="timeout"/> is killed and throws a <see cref="TimeoutException"/> naming
    /// <paramref name="commandLine"/>.</summary>
    public static async Task<Exit> RunAsync(ProcessStartInfo start, string stdin, TimeSpan timeout, string commandLine,
        CancellationToken ct)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), ct);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // It exited without reading stdin; its exit status tells.
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{commandLine} did not finish within {timeout.TotalSeconds:0} s");
        }
        return new Exit(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A finished run: its exit status and both streams.</summary>
    public sealed record Exit(int Code, string Stdout, string Stderr);
}
