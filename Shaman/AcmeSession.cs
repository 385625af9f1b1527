using System.Security.Cryptography;
using Concorde.Acme;
using Concorde.Acme.Problems;

namespace Concorde.Shaman;

/// <summary>The CA connection of one run, opened only when a domain needs it: a run where every certificate
/// is current sends nothing at all. The account is created on first use and recorded at once.</summary>
public sealed class AcmeSession(HttpClient http, ProfileSettings settings, ProfileDocument document, ECDsa accountKey,
    TimeProvider time, ShamanLog log, AcmeClientOptions? clientOptions = null)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AcmeClient? _client;
    private AcmeAccountKey? _account;

    public ECDsa AccountKey => accountKey;

    /// <summary>The client and the account, creating the account on first use.</summary>
    public async Task<(AcmeClient Client, AcmeAccountKey Account)> OpenAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            _client ??= await AcmeClient.CreateAsync(http, settings.Server, time, clientOptions, ct);
            _account ??= await AccountAsync(_client, ct);
            return (_client, _account);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The client alone, for unauthenticated requests such as renewal information.</summary>
    public async Task<AcmeClient> ClientAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            return _client ??= await AcmeClient.CreateAsync(http, settings.Server, time, clientOptions, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<AcmeAccountKey> AccountAsync(AcmeClient client, CancellationToken ct)
    {
        if (document.Get("account_id") is { } recorded)
        {
            if (!Uri.TryCreate(recorded, UriKind.Absolute, out var url))
                throw new ProfileException($"{ProfileSettings.FileName}: \"account_id\" is not a URL: \"{recorded}\"");
            return new AcmeAccountKey(accountKey, url);
        }
        if (client.Directory.Meta?.TermsOfService is { } terms)
            log.Info($"agreeing to the terms of service at {terms}");
        if (client.Directory.Meta?.ExternalAccountRequired == true && settings.ExternalAccountBinding is null)
            throw new ProfileException($"{ProfileSettings.FileName}: the CA requires an external account binding; add \"eab\": {{\"kid\": \"...\", \"hmacKey\": \"...\"}} with the values from the CA");
        var account = await client.NewAccountAsync(accountKey, settings.Contact, termsOfServiceAgreed: true,
            settings.ExternalAccountBinding?.ToBinding(), ct);
        await document.SetAsync("account_id", account.Location.AbsoluteUri, ct);
        log.Info($"created account {account.Location}");
        return new AcmeAccountKey(accountKey, account.Location);
    }

    /// <summary>True when the server says the resource is gone (404), as the original checked.</summary>
    public static bool IsNotFound(AcmeProblemException e) => e.HttpStatus == System.Net.HttpStatusCode.NotFound;
}
