using Concorde.Cli;
namespace Concorde.Shaman;

public static class ShamanCommand
{
    public static Task<int> RunAsync(string[] args, AppEnvironment environment, CancellationToken ct)
    {
        environment.Out.WriteLine($"shaman {environment.Version}");
        return Task.FromResult(0);
    }
}
