using System.Diagnostics;
using System.Text;

namespace Concorde.Tests.Support;

/// <summary>A long-running child process (a server the tests talk to) whose stdout and stderr are captured into a
/// thread-safe in-memory log, for readiness checks and for failure messages. Programs run to completion use
/// <see cref="ChildProcess"/>.</summary>
internal sealed class LoggedProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();
    private readonly Lock gate = new();
    private readonly TaskCompletionSource exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LoggedProcess(Process process, string name)
    {
        this.process = process;
        Name = name;
    }

    public string Name { get; }

    public string Log
    {
        get
        {
            lock (gate)
            {
                return log.ToString();
            }
        }
    }

    public bool HasExited
    {
        get
        {
            try
            {
                return process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    public int ExitCode => process.ExitCode;

    /// <summary>Completes when the process has exited.</summary>
    public Task Exited => exited.Task;

    /// <summary>Starts <paramref name="fileName"/> with the inherited environment less the variables
    /// <paramref name="dropInherited"/> names, plus <paramref name="environment"/>.</summary>
    public static LoggedProcess Start(string fileName, string workingDirectory, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment, Func<string, bool> dropInherited)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var name in startInfo.Environment.Keys.ToList())
        {
            if (dropInherited(name))
            {
                startInfo.Environment.Remove(name);
            }
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var child = new LoggedProcess(process, Path.GetFileName(fileName));
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.Exited += (_, _) => child.exited.TrySetResult();
        child.Append($"$ {fileName} {string.Join(' ', startInfo.ArgumentList.Select(a => a.Length == 0 ? "\"\"" : a))}");
        foreach (var (name, value) in environment)
        {
            child.Append($"  env {name}={value}");
        }

        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        if (process.HasExited)
        {
            child.exited.TrySetResult();
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public string Describe()
    {
        try
        {
            return process.HasExited ? $"(pid {process.Id}, exited with {process.ExitCode})" : $"(pid {process.Id}, running)";
        }
        catch (InvalidOperationException)
        {
            return "(not started)";
        }
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => process.WaitForExitAsync(cancellationToken);

    public void TryKill()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Not started or already gone.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Exiting concurrently.
        }
    }

    public async Task StopAsync(TimeSpan timeout)
    {
        TryKill();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Append($"[fixture] {Name} did not exit within {timeout.TotalSeconds:0} s after kill");
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        Dispose();
    }

    public void Dispose() => process.Dispose();

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            log.AppendLine(line);
        }
    }
}
