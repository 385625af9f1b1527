using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Concorde.Acme.Http;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;

namespace Concorde.Acme;

/// <summary>Certificate download and revocation (RFC 8555 §7.4.2, §7.6).</summary>
public sealed partial class AcmeClient
{
    private const string PemChainMediaType = "application/pem-certificate-chain";

    /// <summary>Downloads a PEM chain with POST-as-GET, with the alternate chains' URLs.</summary>
    public async Task<CertificateChain> DownloadCertificateAsync(AcmeAccountKey account, Uri certificateUrl, CancellationToken ct)
    {
        var response = await PostAsync(certificateUrl, account, PostAsGet, ct, accept: PemChainMediaType);
        if (!string.Equals(response.MediaType, PemChainMediaType, StringComparison.OrdinalIgnoreCase))
            throw new AcmeProtocolException($"{certificateUrl} sent '{response.MediaType ?? "no media type"}' instead of {PemChainMediaType}");
        if (response.Body.Length > CertificateChain.MaxPemBytes)
            throw new AcmeProtocolException($"{certificateUrl} sent a certificate chain of {response.Body.Length} bytes; more than {CertificateChain.MaxPemBytes} is refused");
        var pem = Encoding.ASCII.GetString(response.Body);
        if (CertificateChain.Problem(pem, parseCertificates: true) is { } problem)
            throw new AcmeProtocolException($"{certificateUrl} sent {problem}; refused");
        return new CertificateChain(certificateUrl, pem, LinkHeader.Find(response.Headers, "alternate", certificateUrl));
    }

    /// <summary>Revokes with the account key (`kid`): the account must have issued the certificate or hold
    /// authorizations for all its names (§7.6).</summary>
    public async Task RevokeAsync(AcmeAccountKey account, byte[] certificateDer, int? reason, CancellationToken ct) =>
        await PostAsync(Require(Directory.RevokeCert, "revokeCert"), account, RevocationPayload(certificateDer, reason), ct);

    /// <summary>Revokes with the certificate's own key (`jwk`), e.g. after the account key is lost (§7.6).</summary>
    public async Task RevokeWithCertificateKeyAsync(ECDsa certificateKey, byte[] certificateDer, int? reason, CancellationToken ct) =>
        await PostAsync(Require(Directory.RevokeCert, "revokeCert"), certificateKey, kid: null, RevocationPayload(certificateDer, reason), ct);

    private static byte[] RevocationPayload(byte[] certificateDer, int? reason) =>
        Json(new RevocationPayload { Certificate = Base64Url.EncodeToString(certificateDer), Reason = reason },
            AcmeJsonContext.Default.RevocationPayload);
}
