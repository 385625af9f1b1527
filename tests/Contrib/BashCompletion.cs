namespace Concorde.Tests.Contrib;

/// <summary>contrib/completion/concorde.bash driven the way bash drives it on Tab: a clean bash sources the file,
/// the function registered for the command (`complete -p`) is called with COMP_WORDS and COMP_CWORD set, and
/// COMPREPLY is the answer.</summary>
internal static class BashCompletion
{
    private const string Driver = """
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        registered=$(complete -p "$1") || exit 3
        function=${registered#*-F }; function=${function%% *}
        "$function" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" || exit 4
        if (( ${#COMPREPLY[@]} )); then printf '%s\n' "${COMPREPLY[@]}"; fi
        """;

    /// <summary>What Tab offers for the last of <paramref name="words"/> (the command name first; "" for Tab after
    /// a space).</summary>
    public static async Task<IReadOnlyList<string>> CompleteAsync(CancellationToken ct, params string[] words)
    {
        var bash = ContribScript.Locate("bash", "bash");
        var run = await ContribScript.RunAsync(bash, "", new Dictionary<string, string>(), ct,
            ["--norc", "--noprofile", "-c", Driver, "bash", ContribScript.PathOf("completion/concorde.bash"), .. words]);
        if (run.ExitCode != 0 || run.Stderr.Length > 0)
            throw new InvalidOperationException($"completing `{string.Join(' ', words)}` failed:{Environment.NewLine}{run}");
        return run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
