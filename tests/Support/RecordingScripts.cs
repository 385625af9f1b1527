using Concorde.Tests.Support;

namespace Concorde.Tests.Support;

/// <summary>Programs for a <see cref="ShamanProfile"/> that write down how shaman called them — every CONCORDE_* and
/// RECORDED_* variable (tests set the latter through shaman.json's "environment") and the whole stdin, one file pair per call under calls/ — and then run another program of the profile
/// with the same stdin, or exit with a given status.</summary>
internal static class RecordingScripts
{
    private const string CallsDirectory = "calls";

    /// <summary>Writes <paramref name="name"/>: records the call, then execs <paramref name="then"/> (a script in the
    /// profile) with the same stdin, or exits with <paramref name="exitCode"/>. <paramref name="also"/> is shell run after
    /// recording, with $call naming the call's files (e.g. <c>cp "$CONCORDE_CERT_PATH" "$call.pem"</c>).</summary>
    public static void Write(ShamanProfile profile, string name, string? then = null, int exitCode = 0, string also = ":")
    {
        var next = then is null ? $"exit {exitCode}" : $"exec ./{then} < \"$call.stdin\"";
        profile.WriteScript(name, $$"""
            mkdir -p {{CallsDirectory}}
            call={{CallsDirectory}}/$(date +%s%N).{{name}}.$$
            cat > "$call.stdin"
            env | grep -E '^(CONCORDE|RECORDED)_' | sort > "$call.env"
            echo "recorded call: $CONCORDE_CHALLENGE_TYPE $CONCORDE_IDENTIFIER $CONCORDE_DOMAIN"
            {{also}}
            {{next}}
            """);
    }

    /// <summary>The calls of <paramref name="name"/> so far, oldest first.</summary>
    public static IReadOnlyList<ProgramCall> Calls(ShamanProfile profile, string name)
    {
        var directory = profile.PathOf(CallsDirectory);
        if (!Directory.Exists(directory)) return [];
        return Directory.EnumerateFiles(directory, $"*.{name}.*.env")
            .Order(StringComparer.Ordinal)
            .Select(env => new ProgramCall(
                File.ReadAllLines(env).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]),
                File.ReadAllText(Path.ChangeExtension(env, ".stdin")),
                env[..^".env".Length]))
            .ToList();
    }
}

/// <summary>How a program was called: its CONCORDE_* and RECORDED_* environment, its stdin, and the path prefix of the call's files.</summary>
internal sealed record ProgramCall(IReadOnlyDictionary<string, string> Environment, string Stdin, string Files)
{
    public string this[string variable] => Environment.TryGetValue(variable, out var value) ? value : "";

    /// <summary>The variables describing a challenge, which authenticator and cleanup get alike.</summary>
    public IReadOnlyDictionary<string, string> Challenge =>
        Environment.Where(p => p.Key != "CONCORDE_SYSLOG_SOCKET").ToDictionary(p => p.Key, p => p.Value);
}
