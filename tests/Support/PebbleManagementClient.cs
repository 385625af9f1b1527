using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Concorde.Tests.Support;

/// <summary>Pebble's management interface: its issuance roots and intermediates, and a certificate's status.
/// https, under the same throwaway CA as the ACME endpoint.</summary>
public sealed class PebbleManagementClient : IDisposable
{
    private readonly HttpClient http;

    /// <param name="url">The management interface, with trailing slash.</param>
    /// <param name="http">A client trusting the server's throwaway CA; disposed with this.</param>
    internal PebbleManagementClient(Uri url, HttpClient http)
    {
        Url = url;
        this.http = http;
    }

    /// <summary>The management interface, with trailing slash.</summary>
    public Uri Url { get; }

    /// <summary>PEM of Pebble's (randomly generated) issuance root number <paramref name="index"/> (0 = default chain).</summary>
    public Task<string> GetRootCertificatePemAsync(int index = 0, CancellationToken cancellationToken = default) =>
        GetAsync($"roots/{index}", cancellationToken);

    /// <summary>PEM of Pebble's intermediate number <paramref name="index"/> (0 = default chain).</summary>
    public Task<string> GetIntermediateCertificatePemAsync(int index = 0, CancellationToken cancellationToken = default) =>
        GetAsync($"intermediates/{index}", cancellationToken);

    /// <summary>
    /// Raw JSON from <c>/cert-status-by-serial/{serial}</c> (fields Certificate, Status, Serial, Reason, RevokedAt).
    /// <paramref name="serialHex"/> is the lowercase hex serial without prefix.
    /// </summary>
    public Task<string> GetCertificateStatusJsonAsync(string serialHex, CancellationToken cancellationToken = default) =>
        GetAsync($"cert-status-by-serial/{serialHex}", cancellationToken);

    /// <summary>Pebble's view of a certificate: "Valid" or "Revoked", and the reason code.</summary>
    public async Task<(string? Status, int? Reason)> CertificateStatusAsync(X509Certificate2 certificate, CancellationToken ct)
    {
        // Pebble formats the serial as Go's %x of a big.Int: lowercase, no leading zeros.
        var hex = Convert.ToHexStringLower(certificate.SerialNumberBytes.Span).TrimStart('0');
        using var status = JsonDocument.Parse(await GetCertificateStatusJsonAsync(hex, ct));
        var reason = status.RootElement.TryGetProperty("Reason", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetInt32() : (int?)null;
        return (status.RootElement.GetProperty("Status").GetString(), reason);
    }

    public void Dispose() => http.Dispose();

    private async Task<string> GetAsync(string path, CancellationToken cancellationToken)
    {
        var url = new Uri(Url, path);
        using var response = await http.GetAsync(url, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Pebble management GET {url} returned {(int)response.StatusCode} {body}");
        }

        return body;
    }
}
