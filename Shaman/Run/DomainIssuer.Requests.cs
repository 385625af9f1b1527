using System.Security.Cryptography.X509Certificates;
using Concorde.Acme.Problems;

namespace Concorde.Shaman;

/// <summary>What the administrator asked for (--revoke, --new-key), carried out before the steps, which then order the
/// replacement. Revocation, new key, shaman.json, certificate file: each is durable before the next, so a crash leaves
/// a state the next plain run finishes (README, "Renewing or revoking by hand").</summary>
public sealed partial class DomainIssuer
{
    private async Task CarryOutAsync(DomainRequest request, CancellationToken ct)
    {
        if (request.Revocation is null && !request.NewKey) return;
        var stamp = Stamp;
        // A renewal names the certificate it replaces (RFC 9773 §5); a revoked one is not replaced but done with.
        string? replaces = null;
        if (request.Revocation is { } reason) await RevokeAsync(reason, ct);
        else replaces = (await DomainFiles.ReadCertificateAsync(CertificatePath, ct)).Facts?.AriCertificateId;
        if (request.NewKey) await _context.Keys.ReplaceDomainKeyAsync(_domain, stamp, ct);
        // The order too: one placed before may be finalized already, for the old key.
        await _state.ForgetCertificateAndOrderAsync(replaces, ct);
        if (request.Revocation is not null) SetAside(CertificatePath, $"revoked-{stamp}");
    }

    /// <summary>Revokes the domain's certificate with the account key (RFC 8555 §7.6: the account that issued it may
    /// revoke it). One the CA already revoked counts as done, so a run that stopped after the revocation can be
    /// repeated.</summary>
    private async Task RevokeAsync(int reason, CancellationToken ct)
    {
        var certificateUrl = _state.CertificateUrl!;
        Progress.Note($"the CA had not answered the revocation of certificate {certificateUrl}");
        var (client, account) = await _context.Session.OpenAsync(Name, ct);
        // The file is what is deployed, and a CA may no longer serve a revoked certificate (Pebble answers 404); the
        // CA's copy stands in for a file that is missing or broken.
        var pem = await CertificateFile.ReadAsync(CertificatePath, ct) is { } file && CertificateFacts.Read(file).Problem is null
            ? file
            : (await client.DownloadCertificateAsync(account, certificateUrl, ct)).Pem;
        using var leaf = X509Certificate2.CreateFromPem(pem);
        try
        {
            await client.RevokeAsync(account, leaf.RawData, reason == 0 ? null : reason, ct);
            Log.Info($"{Name}: revoked certificate {certificateUrl} (serial {leaf.SerialNumber})");
        }
        catch (AcmeProblemException e) when (e.Kind == ProblemKind.AlreadyRevoked)
        {
            Log.Info($"{Name}: certificate {certificateUrl} (serial {leaf.SerialNumber}) was revoked already");
        }
    }

    /// <summary>The revoked certificate leaves its name, so a deploy program cannot install it again; it is renamed,
    /// not deleted. Already gone (a run that stopped after moving it) is fine.</summary>
    private void SetAside(string path, string suffix)
    {
        if (!File.Exists(path)) return;
        var aside = $"{path}.{suffix}";
        File.Move(path, aside);
        Log.Info($"{Name}: moved the revoked certificate to {Path.GetFileName(aside)}");
    }
}
