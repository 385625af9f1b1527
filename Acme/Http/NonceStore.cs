namespace Concorde.Acme.Http;

/// <summary>Replay-Nonce values harvested from every response (RFC 8555 §6.5), newest first. Thread-safe,
/// so parallel orders on one client share it.</summary>
public sealed class NonceStore
{
    /// <summary>Nonces go stale on the server; keeping a few is enough and avoids a needless HEAD.</summary>
    private const int Capacity = 16;

    private readonly LinkedList<string> _nonces = new();
    private readonly Lock _lock = new();

    public void Add(string? nonce)
    {
        if (string.IsNullOrEmpty(nonce)) return;
        lock (_lock)
        {
            _nonces.AddFirst(nonce);
            if (_nonces.Count > Capacity) _nonces.RemoveLast();
        }
    }

    /// <summary>Forgets <paramref name="nonce"/>, which its fetcher is about to use.</summary>
    public void Remove(string nonce)
    {
        lock (_lock) _nonces.Remove(nonce);
    }

    public bool TryTake(out string nonce)
    {
        lock (_lock)
        {
            if (_nonces.First is { } first)
            {
                nonce = first.Value;
                _nonces.RemoveFirst();
                return true;
            }
        }
        nonce = "";
        return false;
    }
}
