using System.Diagnostics;
using Xunit;

namespace Concorde.Tests.Support;

/// <summary>Runs the published Native-AOT binary (CONCORDE_BIN, see <see cref="ConcordeBinary"/>) exactly as an
/// administrator's cron job does: through a symlink named <c>shaman</c>, with the profile directory as argument,
/// from an unrelated working directory, with an environment holding only PATH plus what the test asks for.</summary>
internal sealed class ShamanProcess : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _bin;
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;
    private readonly IReadOnlyList<string> _args;

    private ShamanProcess(TempDirectory bin, Process process, IReadOnlyList<string> args)
    {
        _bin = bin;
        _process = process;
        _args = args;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL to shaman alone, as a power cut or the OOM killer would: its authenticators live on.</summary>
    public void Kill() => _process.Kill(entireProcessTree: false);

    /// <summary>Runs <c>shaman args…</c> to completion.</summary>
    public static async Task<ShamanRun> RunAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null)
    {
        using var shaman = Start(args, environment);
        return await shaman.WaitAsync(timeout ?? DefaultTimeout);
    }

    /// <summary>Starts <c>shaman args…</c>; <see cref="WaitAsync"/> collects the result. A <paramref name="wrapper"/>
    /// command line (e.g. <c>strace -f -o trace</c>) runs shaman under it, still by the name <c>shaman</c>.</summary>
    public static ShamanProcess Start(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null,
        IReadOnlyList<string>? wrapper = null)
    {
        var binary = ConcordeBinary.Path;
        var bin = new TempDirectory("concorde-shaman-bin-");
        try
        {
            var link = bin.Combine("shaman");
            File.CreateSymbolicLink(link, binary);
            var start = ChildProcess.Redirected(wrapper is [var program, ..] ? program : link,
                wrapper is null ? args : [.. wrapper.Skip(1), link, .. args]).WithOnlyPathAnd(environment);
            start.WorkingDirectory = bin.Path;

            var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {link}");
            process.StandardInput.Close();
            return new ShamanProcess(bin, process, args);
        }
        catch
        {
            bin.Dispose();
            throw;
        }
    }

    /// <summary>Waits for the exit; a run that hangs is killed and fails the test with what it printed.</summary>
    public async Task<ShamanRun> WaitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
            Assert.Fail($"shaman {string.Join(' ', _args)} did not finish within {timeout.TotalSeconds:0} s{Environment.NewLine}" +
                        $"--- stdout ---{Environment.NewLine}{await _stdout}--- stderr ---{Environment.NewLine}{await _stderr}");
        }
        return new ShamanRun(_args, _process.ExitCode, await _stdout, await _stderr, _process.Id);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
        _bin.Dispose();
    }
}

/// <summary>One finished shaman run.</summary>
internal sealed record ShamanRun(IReadOnlyList<string> Args, int ExitCode, string Stdout, string Stderr, int ProcessId)
{
    /// <summary>Exit status of a process the kernel killed with SIGKILL, as .NET reports it (128 + 9).</summary>
    public const int KilledBySigkill = 137;

    public ShamanRun Exited(int expected)
    {
        Assert.True(ExitCode == expected, $"expected exit status {expected}:{Environment.NewLine}{this}");
        Assert.DoesNotContain("Unhandled exception", Stdout + Stderr, StringComparison.Ordinal);
        return this;
    }

    /// <summary>stdout lines "LEVEL message".</summary>
    public IReadOnlyList<string> Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public IReadOnlyList<string> ErrorLines => Lines.Where(l => l.StartsWith("ERROR ", StringComparison.Ordinal)).ToList();

    public override string ToString() =>
        $"$ shaman {string.Join(' ', Args)}{Environment.NewLine}exit {ExitCode}{Environment.NewLine}" +
        $"--- stdout ---{Environment.NewLine}{Stdout}--- stderr ---{Environment.NewLine}{Stderr}";
}
