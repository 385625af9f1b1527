using System.Security.Cryptography;
using System.Text.Json;
using Concorde.Acme.Crypto;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;

namespace Concorde.Acme;

/// <summary>Account management (RFC 8555 §7.3).</summary>
public sealed partial class AcmeClient
{
    /// <summary>Creates an account, or returns the existing one for this key (§7.3: 200 with its Location).
    /// Agreeing to the terms of service is the caller's decision.</summary>
    public async Task<AcmeResource<Account>> NewAccountAsync(ECDsa key, IReadOnlyList<string>? contact,
        bool termsOfServiceAgreed, ExternalAccountBinding? externalAccountBinding, CancellationToken ct)
    {
        var newAccount = Require(Directory.NewAccount, "newAccount");
        var payload = new NewAccountPayload
        {
            Contact = contact is { Count: > 0 } ? contact : null,
            TermsOfServiceAgreed = termsOfServiceAgreed ? true : null,
            ExternalAccountBinding = externalAccountBinding?.Sign(key, newAccount),
        };
        var response = await PostAsync(newAccount, key, kid: null, Json(payload, AcmeJsonContext.Default.NewAccountPayload), ct);
        return RequireLocation(response, "newAccount").ToResource(AcmeJsonContext.Default.Account);
    }

    /// <summary>Looks up the account of <paramref name="key"/> without creating one (§7.3.1); a key
    /// without an account raises the accountDoesNotExist problem.</summary>
    public async Task<AcmeResource<Account>> FindAccountAsync(ECDsa key, CancellationToken ct)
    {
        var newAccount = Require(Directory.NewAccount, "newAccount");
        var payload = new NewAccountPayload { OnlyReturnExisting = true };
        var response = await PostAsync(newAccount, key, kid: null, Json(payload, AcmeJsonContext.Default.NewAccountPayload), ct);
        return RequireLocation(response, "newAccount").ToResource(AcmeJsonContext.Default.Account);
    }

    public Task<AcmeResource<Account>> GetAccountAsync(AcmeAccountKey account, CancellationToken ct) =>
        PostForResourceAsync(account.AccountUrl, account, PostAsGet, AcmeJsonContext.Default.Account, ct);

    /// <summary>Replaces the contact list (§7.3.2); an empty list removes every contact.</summary>
    public Task<AcmeResource<Account>> UpdateContactsAsync(AcmeAccountKey account, IReadOnlyList<string> contact, CancellationToken ct) =>
        PostForResourceAsync(account.AccountUrl, account,
            Json(new AccountUpdatePayload { Contact = contact }, AcmeJsonContext.Default.AccountUpdatePayload),
            AcmeJsonContext.Default.Account, ct);

    /// <summary>§7.3.6: a deactivated account can never be used again.</summary>
    public Task<AcmeResource<Account>> DeactivateAccountAsync(AcmeAccountKey account, CancellationToken ct) =>
        PostForResourceAsync(account.AccountUrl, account,
            Json(new StatusPayload("deactivated"), AcmeJsonContext.Default.StatusPayload),
            AcmeJsonContext.Default.Account, ct);

    /// <summary>Account key rollover (§7.3.5): an inner JWS signed by the new key (with `jwk`, no nonce) whose
    /// payload names the account and the old key, wrapped in an outer JWS signed by the old key.</summary>
    public async Task<AcmeAccountKey> ChangeKeyAsync(AcmeAccountKey account, ECDsa newKey, CancellationToken ct)
    {
        var keyChange = Require(Directory.KeyChange, "keyChange");
        if (Jwk.SameKey(newKey, account.Key))
            throw new ArgumentException("the new account key is the same as the current one", nameof(newKey));
        var inner = JwsSigner.Sign(newKey, kid: null, nonce: null, keyChange,
            Json(new KeyChangePayload(account.AccountUrl, Jwk.ToJsonElement(account.Key)), AcmeJsonContext.Default.KeyChangePayload));
        await PostAsync(keyChange, account, Json(inner, AcmeJsonContext.Default.JwsMessage), ct);
        return account with { Key = newKey };
    }

    /// <summary>The Location of a new account or order is recorded (shaman.json) before it is used: it must be a URL
    /// this client would send to.</summary>
    private AcmeResponse RequireLocation(AcmeResponse response, string endpoint)
    {
        if (response.Location is not { } location)
            throw new AcmeProtocolException($"the {endpoint} response from {response.Url} has no Location header");
        RequireAllowed(location, $"the {endpoint} response's Location {location}");
        return response;
    }
}
