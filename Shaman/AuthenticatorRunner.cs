using System.Diagnostics;
using System.Text;

namespace Concorde.Shaman;

/// <summary>What an authenticator is told about the challenge it must satisfy.</summary>
public sealed record ChallengeRequest(
    string Identifier, string IdentifierType, string ChallengeType, string Token, string KeyAuthorization,
    string? DnsName, string? DnsValue);

/// <summary>Runs the external programs that publish challenge responses. The original protocol: no arguments,
/// stdin "&lt;token&gt;\n&lt;key authorization&gt;\n", exit status 0 means done. The same values are in the
/// environment (secrets never go on the command line, where `ps` shows them).</summary>
public sealed class AuthenticatorRunner(string profileDirectory, TimeSpan timeout, ShamanLog log)
{
    /// <summary>How much of a program's output reaches the log; the rest is counted, not kept.</summary>
    private const int MaxLoggedChars = 4096;

    public async Task RunAsync(string program, string purpose, ChallengeRequest request, CancellationToken ct)
    {
        var path = Resolve(program)
                   ?? throw new AuthenticatorException($"{purpose} program \"{program}\" not found in {profileDirectory} or on PATH");
        var start = new ProcessStartInfo(path)
        {
            WorkingDirectory = profileDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["CONCORDE_IDENTIFIER"] = request.Identifier;
        start.Environment["CONCORDE_IDENTIFIER_TYPE"] = request.IdentifierType;
        start.Environment["CONCORDE_CHALLENGE_TYPE"] = request.ChallengeType;
        start.Environment["CONCORDE_TOKEN"] = request.Token;
        start.Environment["CONCORDE_KEY_AUTHORIZATION"] = request.KeyAuthorization;
        if (request.DnsName is not null) start.Environment["CONCORDE_DNS_NAME"] = request.DnsName;
        if (request.DnsValue is not null) start.Environment["CONCORDE_DNS_VALUE"] = request.DnsValue;

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new AuthenticatorException($"{purpose} program {path} cannot be started ({e.Message}); is it executable (chmod +x)?");
        }

        var stdout = CaptureAsync(process.StandardOutput);
        var stderr = CaptureAsync(process.StandardError);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            try
            {
                await process.StandardInput.WriteAsync($"{request.Token}\n{request.KeyAuthorization}\n".AsMemory(), deadline.Token);
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
            throw new AuthenticatorException($"{purpose} program {path} did not finish within {timeout.TotalSeconds:0} s and was killed (authenticatorTimeout)");
        }
        finally
        {
            LogOutput(path, "stdout", await stdout);
            LogOutput(path, "stderr", await stderr);
        }
        if (process.ExitCode != 0)
            throw new AuthenticatorException($"{purpose} program {path} failed with exit status {process.ExitCode}{SignalNote(process.ExitCode)}");
    }

    /// <summary>A name with a slash is relative to the profile; a bare name is looked for in the profile
    /// directory, then on PATH.</summary>
    public string? Resolve(string program)
    {
        if (Path.IsPathRooted(program)) return File.Exists(program) ? program : null;
        var local = Path.GetFullPath(Path.Combine(profileDirectory, program));
        if (File.Exists(local) || program.Contains('/')) return File.Exists(local) ? local : null;
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static async Task<(string Text, long Total)> CaptureAsync(StreamReader reader)
    {
        var kept = new StringBuilder();
        var buffer = new char[4096];
        long total = 0;
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), CancellationToken.None)) > 0)
        {
            total += read;
            if (kept.Length < MaxLoggedChars) kept.Append(buffer, 0, Math.Min(read, MaxLoggedChars - kept.Length));
        }
        return (kept.ToString(), total);
    }

    private void LogOutput(string path, string stream, (string Text, long Total) output)
    {
        foreach (var line in output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            log.Info($"{Path.GetFileName(path)} {stream}: {line}");
        if (output.Total > output.Text.Length)
            log.Info($"{Path.GetFileName(path)} {stream}: ({output.Total - output.Text.Length} more characters not logged)");
    }

    private static string SignalNote(int exitCode) => exitCode > 128 && exitCode < 160 ? $" (killed by signal {exitCode - 128})" : "";
}

/// <summary>An authenticator or hook program failed; fails the domain, not the run.</summary>
public sealed class AuthenticatorException(string message) : Exception(message);
