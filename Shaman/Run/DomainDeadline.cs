namespace Concorde.Shaman;

/// <summary>A domain's overall time limit in one run ("domainTimeout"). Every loop the CA drives is bounded in steps,
/// but a CA that answers slowly or keeps an order "processing" with a short Retry-After could still hold the run
/// lock for hours; this bounds it. Cancelling <see cref="Token"/> also kills an authenticator or hook then running,
/// with its children (<see cref="ProgramRunner"/>).</summary>
public sealed class DomainDeadline : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly CancellationToken _run;

    /// <param name="run">The run's own token (SIGINT/SIGTERM): it still cancels, and is told apart.</param>
    public DomainDeadline(TimeSpan timeout, CancellationToken run)
    {
        Timeout = timeout;
        _run = run;
        _source = CancellationTokenSource.CreateLinkedTokenSource(run);
        // Real time, like the request and program timeouts: what is bounded is how long this process holds the lock.
        _source.CancelAfter(timeout);
    }

    public TimeSpan Timeout { get; }

    public CancellationToken Token => _source.Token;

    /// <summary>True when the time ran out, as opposed to the run being stopped.</summary>
    public bool HasExpired => _source.IsCancellationRequested && !_run.IsCancellationRequested;

    /// <summary>The domain's failure: what it waited for when the time ran out.</summary>
    public string Explain(string name, DomainProgress progress) =>
        $"{name}: {progress.WaitingFor} after {Timeout.TotalSeconds:0.#} s, the domain's \"domainTimeout\"; " +
        (progress.Deploying
            ? "stopped there. The certificate is in place; the deploy step runs again on the next run"
            : "stopped there. What is done is recorded; the next run continues from it");

    public void Dispose() => _source.Dispose();
}
