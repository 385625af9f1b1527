using System.Security.Cryptography.X509Certificates;
using Concorde.Acme;

namespace Concorde.Shaman;

/// <summary>With `preferredChain`, the chain whose top certificate is issued by that common name, among the default
/// and the alternates (RFC 8555 §7.4.2); otherwise, or when none matches, the server's default.
/// Only the first <see cref="MaxAlternates"/> alternates are fetched: each is a request, and a CA may offer any number.</summary>
public sealed class PreferredChain(DomainSettings domain, ShamanContext context)
{
    /// <summary>Real CAs offer one or two alternate chains.</summary>
    public const int MaxAlternates = 10;

    public async Task<CertificateChain> ChooseAsync(AcmeClient client, AcmeAccountKey account, CertificateChain chain, CancellationToken ct)
    {
        var preferred = domain.Effective.PreferredChain;
        if (preferred is null || TopIssuer(chain) == preferred) return chain;
        foreach (var alternate in chain.Alternates.Take(MaxAlternates))
        {
            var candidate = await client.DownloadCertificateAsync(account, alternate, ct);
            if (TopIssuer(candidate) == preferred)
            {
                context.Log.Info($"{domain.Name}: using the alternate chain issued by \"{preferred}\"");
                return candidate;
            }
        }
        context.Log.Warning($"{domain.Name}: no chain offered by the CA ends at an issuer named \"{preferred}\" (preferredChain); using the default chain, issued by \"{TopIssuer(chain)}\"");
        return chain;
    }

    private static string TopIssuer(CertificateChain chain)
    {
        var certificates = chain.Certificates();
        return certificates.Count == 0 ? "" : certificates[^1].GetNameInfo(X509NameType.SimpleName, forIssuer: true);
    }
}
