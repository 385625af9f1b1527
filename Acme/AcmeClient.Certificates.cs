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
        var pem = Encoding.ASCII.GetString(response.Body);
        if (ChainProblem(pem) is { } problem)
            throw new AcmeProtocolException($"{certificateUrl} sent {problem}; refused");
        return new CertificateChain(certificateUrl, pem, LinkHeader.Find(response.Headers, "alternate", certificateUrl));
    }

    /// <summary>§9.1: "one or more certificates encoded with the PEM textual encoding ... MUST NOT include explanatory
    /// text". So a chain with anything but whitespace around its blocks is not one: typically a body cut short in
    /// transit, whose first certificates would otherwise pass for the whole chain.</summary>
    private static string? ChainProblem(string pem)
    {
        var rest = pem.AsSpan();
        var certificates = 0;
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (!rest[..fields.Location.Start.Value].IsWhiteSpace())
                return "text outside the PEM blocks of its certificate chain";
            if (!rest[fields.Label].SequenceEqual("CERTIFICATE"))
                return $"a {rest[fields.Label]} PEM block in its certificate chain";
            var der = new byte[fields.DecodedDataLength];
            if (!Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out _) || !IsCertificate(der))
                return $"an unreadable certificate (number {certificates + 1} of its chain)";
            certificates++;
            rest = rest[fields.Location.End.Value..];
        }
        if (certificates == 0) return "no PEM certificate";
        return rest.IsWhiteSpace() ? null : "a certificate chain that ends in the middle of a certificate (cut short?)";
    }

    private static bool IsCertificate(byte[] der)
    {
        try
        {
            using var certificate = X509CertificateLoader.LoadCertificate(der);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
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
