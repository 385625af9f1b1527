namespace Concorde.Cli;

public static class CliCommand
{
    public static Task<int> RunAsync(string[] args, AppEnvironment environment, CancellationToken ct)
    {
        environment.Out.WriteLine($"concorde {environment.Version}");
        return Task.FromResult(0);
    }
}
