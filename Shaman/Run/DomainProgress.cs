namespace Concorde.Shaman;

/// <summary>What one domain's work is waiting for, as the CA last showed it, so that a domain stopped by its
/// <see cref="DomainDeadline"/> can say what the server was doing. Each note is a clause that reads on with
/// "after N s".</summary>
public sealed class DomainProgress
{
    /// <summary>What the domain waits for before it reaches the CA (reading files, loading the key).</summary>
    public const string Starting = "the domain's work had not reached the CA";

    public string WaitingFor { get; private set; } = Starting;

    /// <summary>The certificate is in place and only the deploy step (hook, verify) is left.</summary>
    public bool Deploying { get; private set; }

    public void Note(string waitingFor) => WaitingFor = waitingFor;

    public void NoteDeploying()
    {
        WaitingFor = "the deploy step (hook or verify) had not finished";
        Deploying = true;
    }
}
