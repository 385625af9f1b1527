using System.Diagnostics;
using System.Text;
using Concorde.Acme;

namespace Concorde.Shaman;

/// <summary>What an authenticator (and a cleanup program) is told about the challenge.</summary>
public sealed record ChallengeRequest(
    string Identifier, string IdentifierType, string ChallengeType, string Token, string KeyAuthorization,
    string? DnsName, string? DnsValue)
{
    /// <summary>The original protocol's stdin: "&lt;token&gt;\n&lt;key authorization&gt;\n".</summary>
    public string StandardInput => $"{Token}\n{KeyAuthorization}\n";

    public IReadOnlyDictionary<string, string> Environment()
    {
        var variables = new Dictionary<string, string>
        {
            ["CONCORDE_IDENTIFIER"] = Identifier,
            ["CONCORDE_IDENTIFIER_TYPE"] = IdentifierType,
            ["CONCORDE_CHALLENGE_TYPE"] = ChallengeType,
            ["CONCORDE_TOKEN"] = Token,
            ["CONCORDE_KEY_AUTHORIZATION"] = KeyAuthorization,
        };
        if (DnsName is not null) variables["CONCORDE_DNS_NAME"] = DnsName;
        if (DnsValue is not null) variables["CONCORDE_DNS_VALUE"] = DnsValue;
        return variables;
    }
}

/// <summary>Runs the administrator's programs: authenticators, cleanup and deploy hooks. No arguments (values
/// go on stdin and in the environment, never on the command line, where `ps` shows them), the profile
/// directory as working directory, output to the log, killed with its children after the timeout; exit
/// status 0 means done. <paramref name="searchPath"/> is the PATH value (null when unset).</summary>
public sealed class ProgramRunner(string profileDirectory, string? searchPath, TimeSpan timeout, ShamanLog log)
{
    /// <summary>What execvp(3) searches when PATH is unset.</summary>
    private const string DefaultSearchPath = "/usr/local/bin:/usr/bin:/bin";

    /// <summary>How much of a program's output reaches the log; the rest is counted, not kept.</summary>
    private const int MaxLoggedChars = 4096;
    /// <summary>A failure quotes this many of the last non-empty stderr lines (the program's own reason), each
    /// cut to <see cref="MaxQuotedLineChars"/>, from the last <see cref="TailChars"/> characters of its stderr.</summary>
    private const int QuotedLines = 3;
    private const int MaxQuotedLineChars = 200;
    private const int TailChars = 2048;
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(1);

    public Task RunAsync(string program, string purpose, ChallengeRequest request, IReadOnlyDictionary<string, string> configured, CancellationToken ct) =>
        RunAsync(program, purpose, request.StandardInput, configured, request.Environment(), ct);

    /// <param name="configured">shaman.json's "environment" for this program.</param>
    /// <param name="environment">shaman's own CONCORDE_* variables for this call.</param>
    public async Task RunAsync(string program, string purpose, string standardInput,
        IReadOnlyDictionary<string, string> configured, IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        var path = Resolve(program)
                   ?? throw new ProgramFailedException($"{purpose} program \"{program}\" not found in {profileDirectory} or on PATH");
        try
        {
            // Checked right before it runs, by the path it runs by: a program named after the run began (a PATH
            // lookup that now finds another file) is judged too.
            TrustedPath.Require(path, $"the {purpose} program", strictParent: true);
        }
        catch (ProfileException e)
        {
            throw new ProgramFailedException($"{e.Message}; not run");
        }
        var start = new ProcessStartInfo(path)
        {
            WorkingDirectory = profileDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // shaman.json cannot name a CONCORDE_ variable (JsonFields.EnvironmentMap); shaman's own go last all the same.
        foreach (var (name, value) in configured.Concat(environment)) start.Environment[name] = value;

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new ProgramFailedException($"{purpose} program {path} cannot be started ({e.Message}); is it executable (chmod +x)?");
        }

        var stdout = new OutputCapture(process.StandardOutput);
        var stderr = new OutputCapture(process.StandardError);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            try
            {
                await process.StandardInput.WriteAsync(standardInput.AsMemory(), deadline.Token);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The program exited without reading stdin; its exit status decides.
            }
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            ct.ThrowIfCancellationRequested();
            // The last lines usually say why it hung; let them arrive before quoting them.
            await DrainAsync(stdout, stderr);
            throw new ProgramFailedException($"{purpose} program {path} did not finish within {timeout.TotalSeconds:0} s and was killed (authenticatorTimeout in shaman.json)" +
                                             Quote(stderr, standardInput));
        }
        finally
        {
            await DrainAsync(stdout, stderr);
            LogOutput(purpose, path, "stdout", stdout);
            LogOutput(purpose, path, "stderr", stderr);
        }
        if (process.ExitCode != 0)
            throw new ProgramFailedException($"{purpose} program {path} failed with exit status {process.ExitCode}{SignalNote(process.ExitCode)}" +
                                             Quote(stderr, standardInput));
    }

    /// <summary>Waits for both outputs to end, at most <see cref="OutputGrace"/>: a background child the program
    /// left running may hold them open for ever.</summary>
    private static Task DrainAsync(OutputCapture stdout, OutputCapture stderr) =>
        Task.WhenAny(Task.WhenAll(stdout.Completion, stderr.Completion), Task.Delay(OutputGrace, CancellationToken.None));

    /// <summary>A name with a slash is relative to the profile; a bare name is looked for in the profile
    /// directory, then on PATH.</summary>
    public string? Resolve(string program) => Resolve(program, profileDirectory, searchPath);

    /// <inheritdoc cref="Resolve(string)"/>
    public static string? Resolve(string program, string profileDirectory, string? searchPath)
    {
        if (Path.IsPathRooted(program)) return File.Exists(program) ? program : null;
        var local = Path.GetFullPath(Path.Combine(profileDirectory, program));
        if (File.Exists(local) || program.Contains('/')) return File.Exists(local) ? local : null;
        foreach (var directory in (searchPath ?? DefaultSearchPath).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>The file has an execute bit: what execve(2) asks of root. For another user a finer refusal still
    /// shows when the program is started.</summary>
    public static bool IsExecutable(string path)
    {
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & anyExecute) != 0;
    }

    /// <summary>Each line names the domain and step (<paramref name="purpose"/>), so the output of domains worked
    /// on side by side can be told apart.</summary>
    private void LogOutput(string purpose, string path, string stream, OutputCapture output)
    {
        var (text, total, complete) = output.Snapshot();
        var source = $"{purpose} {Path.GetFileName(path)} {stream}";
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            log.Info($"{source}: {line}");
        if (total > text.Length)
            log.Info($"{source}: ({total - text.Length} more characters not logged)");
        if (!complete)
            log.Info($"{source}: (still held open by a process it left running; not waited for)");
    }

    /// <summary>The end of a failed program's stderr, for the failure message: the INFO lines above are not in
    /// cron mail (--quiet), and the reason is usually the last thing a program says. Bounded (a few lines, each
    /// cut short), control characters replaced, and what the program got on stdin (the key authorization) blanked
    /// out: the message is also kept as `lastError` in shaman.json and shown by --status.</summary>
    private static string Quote(OutputCapture stderr, string standardInput)
    {
        var lines = stderr.Tail().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0) return "";
        var given = standardInput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .OrderByDescending(value => value.Length).ToList();
        var quoted = lines[^Math.Min(QuotedLines, lines.Length)..].Select(line =>
        {
            foreach (var value in given) line = line.Replace(value, "(stdin)", StringComparison.Ordinal);
            line = string.Concat(line.Select(c => char.IsControl(c) ? ' ' : c));
            return line.Length > MaxQuotedLineChars ? $"{line[..MaxQuotedLineChars]}..." : line;
        });
        return $"; its stderr ends: {string.Join(" | ", quoted)}";
    }

    /// <summary>Reads a program's output stream to its end in the background, keeping the first
    /// <see cref="MaxLoggedChars"/> characters and the last <see cref="TailChars"/>, and counting the rest.</summary>
    private sealed class OutputCapture
    {
        private readonly StringBuilder _kept = new();
        // A fixed buffer, so that reading megabytes allocates nothing.
        private readonly char[] _tail = new char[TailChars];
        private int _tailLength;
        private bool _tailCut;
        private readonly Lock _lock = new();
        private long _total;

        public OutputCapture(StreamReader reader) => Completion = ReadAsync(reader);

        public Task Completion { get; }

        public (string Text, long Total, bool Complete) Snapshot()
        {
            lock (_lock) return (_kept.ToString(), _total, Completion.IsCompleted);
        }

        /// <summary>The last characters read, without a first line cut in the middle (a value cut there could not
        /// be recognised and blanked out).</summary>
        public string Tail()
        {
            lock (_lock)
            {
                var tail = new string(_tail, 0, _tailLength);
                if (!_tailCut) return tail;
                var newline = tail.IndexOf('\n');
                return newline < 0 ? "" : tail[(newline + 1)..];
            }
        }

        private async Task ReadAsync(StreamReader reader)
        {
            var buffer = new char[4096];
            int read;
            while ((read = await reader.ReadAsync(buffer.AsMemory(), CancellationToken.None)) > 0)
            {
                lock (_lock)
                {
                    _total += read;
                    if (_kept.Length < MaxLoggedChars) _kept.Append(buffer, 0, Math.Min(read, MaxLoggedChars - _kept.Length));
                    KeepTail(buffer.AsSpan(0, read));
                }
            }
        }

        private void KeepTail(ReadOnlySpan<char> read)
        {
            if (read.Length >= TailChars)
            {
                read[^TailChars..].CopyTo(_tail);
                _tailCut |= read.Length > TailChars || _tailLength > 0;
                _tailLength = TailChars;
                return;
            }
            var keep = Math.Min(_tailLength, TailChars - read.Length);
            _tailCut |= keep < _tailLength;
            _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
            read.CopyTo(_tail.AsSpan(keep));
            _tailLength = keep + read.Length;
        }
    }

    private static string SignalNote(int exitCode) => exitCode > 128 && exitCode < 160 ? $" (killed by signal {exitCode - 128})" : "";
}

/// <summary>An authenticator or hook program failed; fails the domain, not the run.</summary>
public sealed class ProgramFailedException(string message) : ExpectedFailure(message);
