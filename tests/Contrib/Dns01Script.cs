using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Contrib;

/// <summary>A dns-01 authenticator under contrib/ run on its own for one TXT record: its own settings (from
/// <paramref name="settings"/>) plus the variables shaman sets for a dns-01 challenge, and nothing else but PATH.</summary>
internal sealed class Dns01Script(string program, Func<Dictionary<string, string>> settings)
{
    public string Program => program;

    /// <summary>The same script under its cleanup name (<c>&lt;name&gt;-cleanup</c>, a symlink in <paramref name="directory"/>).</summary>
    public Dns01Script CleanupIn(string directory) => new(ContribScript.LinkAsCleanup(directory, program), settings);

    public Dictionary<string, string> Environment(string record, string value)
    {
        var environment = settings();
        environment["CONCORDE_CHALLENGE_TYPE"] = "dns-01";
        environment["CONCORDE_DNS_NAME"] = record;
        environment["CONCORDE_DNS_VALUE"] = value;
        return environment;
    }

    /// <summary><see cref="Environment"/> with <paramref name="variable"/> set to <paramref name="setting"/>, or
    /// removed when that is empty.</summary>
    public Dictionary<string, string> EnvironmentWith(string record, string value, string variable, string setting)
    {
        var environment = Environment(record, value);
        if (setting.Length == 0) environment.Remove(variable);
        else environment[variable] = setting;
        return environment;
    }

    /// <summary>Adds <paramref name="value1"/> and then <paramref name="value2"/> at <paramref name="record"/>, then
    /// deletes them one after the other under the cleanup name, checking with <paramref name="txt"/> (the server's
    /// answer) after each step that exactly the values expected are there. Returns the first add and the first delete.</summary>
    public async Task<(ScriptRun Added, ScriptRun Removed)> AddTwoValuesAndCleanUpOneByOneAsync(string record, string value1, string value2,
        Func<string, CancellationToken, Task<IReadOnlyList<string>>> txt, CancellationToken ct)
    {
        using var bin = new TempDirectory("concorde-contrib-bin-");
        var cleanup = CleanupIn(bin.Path);

        var added = (await RunAsync(record, value1, ct)).Succeeded();
        (await RunAsync(record, value2, ct)).Succeeded();
        Assert.Equal(new[] { value1, value2 }.Order(StringComparer.Ordinal), (await txt(record, ct)).Order(StringComparer.Ordinal));

        var removed = (await cleanup.RunAsync(record, value1, ct)).Succeeded();
        Assert.Equal([value2], await txt(record, ct));
        (await cleanup.RunAsync(record, value2, ct)).Succeeded();
        Assert.Empty(await txt(record, ct));
        return (added, removed);
    }

    public Task<ScriptRun> RunAsync(string record, string value, CancellationToken ct) => RunAsync(Environment(record, value), ct);

    public Task<ScriptRun> RunAsync(IReadOnlyDictionary<string, string> environment, CancellationToken ct) =>
        ContribScript.RunAsync(program, "", environment, ct);
}
