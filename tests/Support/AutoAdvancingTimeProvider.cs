namespace Concorde.Tests.Support;

/// <summary>
/// A clock that never makes a test wait: every one-shot timer fires at once (on the thread pool) and moves the
/// clock forward by its due time. <see cref="Delays"/> records what the code under test asked to wait, so a
/// test can assert that a Retry-After of one hour was honoured without spending it.
/// </summary>
public sealed class AutoAdvancingTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly Lock gate = new();
    private readonly List<TimeSpan> delays = [];
    private DateTimeOffset now = start;

    /// <summary>Due times of the timers created so far, in order.</summary>
    public IReadOnlyList<TimeSpan> Delays
    {
        get
        {
            lock (gate)
            {
                return delays.ToArray();
            }
        }
    }

    /// <summary>Runs when a timer is created, before it fires: what happens in the world while the code under test waits.</summary>
    public Action<TimeSpan>? WhileWaiting { get; init; }

    public override DateTimeOffset GetUtcNow()
    {
        lock (gate)
        {
            return now;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (period != Timeout.InfiniteTimeSpan && period != TimeSpan.Zero)
        {
            throw new NotSupportedException("only one-shot timers are simulated");
        }

        var timer = new FiringTimer();
        if (dueTime == Timeout.InfiniteTimeSpan)
        {
            return timer;
        }

        WhileWaiting?.Invoke(dueTime);

        lock (gate)
        {
            delays.Add(dueTime);
            now += dueTime;
        }

        // Fired from the thread pool after CreateTimer has returned, as a real timer would.
        _ = Task.Run(async () =>
        {
            await Task.Yield();
            if (!timer.IsDisposed)
            {
                callback(state);
            }
        });
        return timer;
    }

    private sealed class FiringTimer : ITimer
    {
        private int disposed;

        public bool IsDisposed => Volatile.Read(ref disposed) != 0;

        public bool Change(TimeSpan dueTime, TimeSpan period) => !IsDisposed;

        public void Dispose() => Interlocked.Exchange(ref disposed, 1);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
