using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using Concorde.Acme;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;

namespace Concorde.Shaman;

/// <summary>The CA connection of one run, opened only when a domain needs it: a run where every certificate
/// is current loads no account key, no TLS library and sends nothing at all. The account key is created and
/// the account registered on first use, each recorded at once.</summary>
public sealed class AcmeSession(Func<HttpClient> createHttp, bool ownsHttp, ProfileSettings settings, ProfileDocument document,
    KeyStore keys, TimeProvider time, ShamanLog log, AcmeClientOptions? clientOptions = null) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private HttpClient? _http;
    private ECDsa? _accountKey;
    private AcmeClient? _client;
    private AcmeAccountKey? _account;
    private ExceptionDispatchInfo? _unreachable;
    private RunFailure? _runFailure;
    private int _accountGeneration;

    /// <summary>The account key; available once <see cref="OpenAsync"/> has run.</summary>
    public ECDsa AccountKey => _accountKey ?? throw new InvalidOperationException("the ACME session is not open yet");

    /// <summary>The failure that stopped this run from asking the CA, if one did; reported once by the run.</summary>
    public RunFailure? RunFailure => Volatile.Read(ref _runFailure);

    /// <summary>True once the CA's directory was read in this run.</summary>
    public bool ReachedCa => Volatile.Read(ref _client) is not null;

    /// <summary>Stops this run from asking the CA for anything that needs the account: every later
    /// <see cref="OpenAsync"/> throws <paramref name="failure"/> (the first one recorded).</summary>
    public RunFailure Stop(RunFailure failure) => Interlocked.CompareExchange(ref _runFailure, failure, null) ?? failure;

    /// <summary>The client and the account, creating the account key and the account on first use.</summary>
    /// <exception cref="Shaman.RunFailure">The CA cannot be reached or refuses the account (now or earlier in this run).</exception>
    /// <param name="domain">The domain asking: the client is shared by domains worked on side by side, and its retry
    /// and progress lines name the one they are for.</param>
    public async Task<(AcmeClient Client, AcmeAccountKey Account)> OpenAsync(string domain, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (RunFailure is { } stopped) throw stopped;
            var (client, account) = await OpenOnceAsync(ct);
            return (For(client, domain), account);
        }
        catch (AcmeException e)
        {
            throw Stop(_client is null ? Shaman.RunFailure.Server(e) : Shaman.RunFailure.Account(e));
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<(AcmeClient Client, AcmeAccountKey Account)> OpenOnceAsync(CancellationToken ct)
    {
        if (_accountKey is null)
        {
            // Making or loading the key is milliseconds of CPU; it runs while the directory is fetched.
            var key = Task.Run(() => keys.AccountKeyAsync(ct), ct);
            try
            {
                _client ??= await CreateClientAsync(ct);
            }
            finally
            {
                // When both fail, the key's error is the one to fix first.
                _accountKey = await key;
            }
        }
        _client ??= await CreateClientAsync(ct);
        _account ??= await AccountAsync(_client, _accountKey, ct);
        return (_client, _account);
    }

    /// <summary>Changes each time <see cref="ReplaceLostAccountAsync"/> registers the account again.</summary>
    public int AccountGeneration => Volatile.Read(ref _accountGeneration);

    /// <summary>The CA says it does not know the recorded account (RFC 8555 accountDoesNotExist), e.g. a test CA
    /// that was reset. The key is ours, so the account is registered again with it and recorded; orders of the
    /// old account then answer "not found" and are replaced. Parallel domains that saw the same answer share one
    /// registration: only the first caller with the current <paramref name="generation"/> registers.</summary>
    public async Task ReplaceLostAccountAsync(int generation, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (generation != _accountGeneration || _client is null || _accountKey is null || _account is null) return;
            log.Warning($"the CA does not know account {_account.AccountUrl}; registering the account key again");
            _account = await RegisterAsync(_client, _accountKey, ct);
            Interlocked.Increment(ref _accountGeneration);
        }
        catch (AcmeException e)
        {
            throw Stop(Shaman.RunFailure.Account(e));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The CA answered "unauthorized" to a request signed by the account (not a problem recorded on an
    /// order or authorization). That may be the domain's (the CA's policy refuses its name) or the account's: RFC 8555
    /// §7.3.6 has the server refuse every request of a deactivated account. The account object tells which, without
    /// reading the problem's text: when it is not "valid", or the CA will not even show it, the run stops
    /// (<see cref="Stop"/>) and this returns true; otherwise the refusal stays the domain's.</summary>
    public async Task<bool> StopIfAccountRefusedAsync(AcmeProblemException refusal, CancellationToken ct)
    {
        if (refusal.Kind != ProblemKind.Unauthorized || refusal.RecordedOnResource) return false;
        await _gate.WaitAsync(ct);
        try
        {
            if (RunFailure is not null) return true;
            if (_client is null || _account is null) return false;
            var keyFile = new ProfileState(document).KeyFile ?? KeyStore.AccountKeyFileName;
            try
            {
                var account = await _client.GetAccountAsync(_account, ct);
                if (account.Value.Status == AcmeStatus.Valid) return false;
                Stop(Shaman.RunFailure.AccountUnusable(_account.AccountUrl, $"its status is {AcmeStatusConverter.Name(account.Value.Status)}", keyFile, null));
            }
            catch (AcmeProblemException e) when (e.Kind is ProblemKind.Unauthorized or ProblemKind.AccountDoesNotExist && !e.RecordedOnResource)
            {
                Stop(Shaman.RunFailure.AccountUnusable(_account.AccountUrl, $"it refuses to show it: {e.Message}", keyFile, e));
            }
            return true;
        }
        catch (AcmeException)
        {
            // The account could not be read for another reason (the CA is failing): the refusal stays the domain's.
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The client alone, for unauthenticated requests such as renewal information.</summary>
    public async Task<AcmeClient> ClientAsync(string domain, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            return For(_client ??= await CreateClientAsync(ct), domain);
        }
        finally
        {
            _gate.Release();
        }
    }

    private AcmeClient For(AcmeClient client, string domain) => client.WithProgress(message => log.Info($"{domain}: {message}"));

    /// <summary>A directory that could not be read, after the client's own retries, fails every later domain of
    /// this run at once: a CA that is down would otherwise cost each domain the whole retry schedule again.</summary>
    private async Task<AcmeClient> CreateClientAsync(CancellationToken ct)
    {
        _unreachable?.Throw();
        try
        {
            _http ??= createHttp();
            var options = (clientOptions ?? new AcmeClientOptions()) with
            {
                Progress = log.Info,
            };
            return await AcmeClient.CreateAsync(_http, settings.Server, time, options, ct);
        }
        catch (AcmeException e)
        {
            _unreachable = ExceptionDispatchInfo.Capture(e);
            throw;
        }
    }

    private async Task<AcmeAccountKey> AccountAsync(AcmeClient client, ECDsa accountKey, CancellationToken ct)
    {
        if (new ProfileState(document).AccountUrl is { } recorded) return new AcmeAccountKey(accountKey, recorded);
        return await RegisterAsync(client, accountKey, ct);
    }

    private async Task<AcmeAccountKey> RegisterAsync(AcmeClient client, ECDsa accountKey, CancellationToken ct)
    {
        if (client.Directory.Meta?.TermsOfService is { } terms)
            log.Info($"agreeing to the terms of service at {terms}");
        if (client.Directory.Meta?.ExternalAccountRequired == true && settings.ExternalAccountBinding is null)
            throw Stop(Shaman.RunFailure.ExternalAccountRequired());
        var account = await client.NewAccountAsync(accountKey, settings.Contact, termsOfServiceAgreed: true,
            settings.ExternalAccountBinding?.ToBinding(), ct);
        await new ProfileState(document).RecordAccountAsync(account.Location, settings.Server, ct);
        log.Info(account.Created ? $"created account {account.Location}" : $"the CA already has an account for this key: {account.Location}");
        return new AcmeAccountKey(accountKey, account.Location);
    }

    public void Dispose()
    {
        if (ownsHttp) _http?.Dispose();
        _accountKey?.Dispose();
        _gate.Dispose();
    }
}
