namespace Concorde.Tests.Support;

/// <summary>Waits on a condition instead of a guessed sleep: returns as soon as it holds, fails the test naming what
/// it waited for once the deadline passes.</summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan deadline, string what, CancellationToken ct = default) =>
        WaitUntilAsync(() => Task.FromResult(condition()), deadline, what, ct);

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan deadline, string what, CancellationToken ct = default)
    {
        var giveUp = DateTimeOffset.UtcNow + deadline;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow >= giveUp)
                throw new TimeoutException($"waited {deadline.TotalSeconds:0.#} s for {what}");
            await Task.Delay(PollInterval, ct);
        }
    }
}
