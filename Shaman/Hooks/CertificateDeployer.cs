using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Concorde.Shaman;

/// <summary>Puts a certificate in place and runs the deploy hook after the file changed — and on every later run
/// until the hook succeeds: a server that failed to reload would otherwise keep serving the old certificate until it
/// expires. With `verify`, the deploy counts as done only once every endpoint serves the file's certificate.</summary>
public sealed class CertificateDeployer(DomainSettings domain, ShamanContext context, DomainState state)
{
    private bool _written;

    private string Name => domain.Name;
    private string CertificatePath => context.Document.ResolvePath(domain.CertificateFileName);
    private string? DeployProgram => domain.Effective.Deploy;
    private IReadOnlyList<VerifyEndpoint> Endpoints => domain.Effective.Verify;

    public async Task WriteIfChangedAsync(string pem, CancellationToken ct)
    {
        var path = CertificatePath;
        if (await CertificateFile.ReadAsync(path, ct) == pem) return;
        var verb = File.Exists(path) ? "updating" : "writing";
        // Recorded first: a crash right after the write must still deploy and check the new file on the next run.
        await state.RecordCertificateChangingAsync(deployPending: DeployProgram is not null, ct);
        await CertificateFile.WriteAsync(path, pem, ct);
        _written = true;
        context.Log.Info($"{Name}: {verb} certificate {domain.CertificateFileName}");
    }

    /// <summary>A failure is reported, but the certificate stays: issuing again would not help. A failed deploy is
    /// still followed by the `verify` check, so what is served is known (and reported) at once, not a stale "yes".</summary>
    public async Task DeployIfPendingAsync(CancellationToken ct)
    {
        DeployFailure? deployFailed = null;
        var deployed = false;
        try
        {
            deployed = state.DeployPending && await DeployAsync(ct);
        }
        catch (DeployFailure e)
        {
            deployFailed = e;
        }
        // Checked after every change, while the last check failed, and once when `verify` was just added.
        if (Endpoints.Count > 0 && (deployed || _written || deployFailed is not null || state.ServedOk != true))
        {
            try
            {
                await VerifyAsync(ct);
            }
            catch (DeployFailure) when (deployFailed is not null)
            {
                // The deploy program's failure is the cause worth reporting; the check recorded what is served.
            }
        }
        if (deployFailed is not null) throw deployFailed;
        if (state.DeployPending) await state.SetDeployPendingAsync(false, ct);
    }

    /// <returns>Whether the deploy program ran (and succeeded).</returns>
    private async Task<bool> DeployAsync(CancellationToken ct)
    {
        if (DeployProgram is not { } program) return false;
        var environment = new Dictionary<string, string>
        {
            ["CONCORDE_DOMAIN"] = Name,
            ["CONCORDE_CERT_PATH"] = CertificatePath,
            ["CONCORDE_KEY_PATH"] = context.Document.ResolvePath(state.KeyFile ?? domain.KeyFileName),
        };
        try
        {
            await context.Programs.RunAsync(program, $"{Name}: deploy", "", domain.Effective.Environment, environment, ct);
        }
        catch (ProgramFailedException e)
        {
            throw new DeployFailure($"{e.Message}; the new certificate is in place, and the deploy step runs again on the next run");
        }
        context.Log.Info($"{Name}: deployed with {program}");
        return true;
    }

    /// <summary>Every endpoint must serve the file's leaf (same serial, same public key); the first that does not
    /// fails the deploy, which stays pending so the next run deploys and checks again.</summary>
    private async Task VerifyAsync(CancellationToken ct)
    {
        using var expected = await ReadLeafAsync(ct);
        var probe = ServedCertificateProbe.Default(context.Time);
        foreach (var endpoint in Endpoints)
        {
            var served = await probe.AwaitAsync(endpoint, Name, expected, ct);
            if (served.Matches(expected))
            {
                context.Log.Info($"{Name}: {endpoint} serves the certificate in {domain.CertificateFileName} (serial {served.Serial})");
                continue;
            }
            await state.RecordServedAsync(false, ct);
            var again = state.DeployPending ? "the deploy step runs again on the next run" : "it is checked again on the next run";
            throw new DeployFailure($"{Name}: {endpoint} does not serve the certificate in {domain.CertificateFileName} " +
                                    $"(serial {expected.SerialNumber}): it {(served.Problem is null ? "serves " : "")}{served.Describe()}; {again}");
        }
        await state.RecordServedAsync(true, ct);
    }

    private async Task<X509Certificate2> ReadLeafAsync(CancellationToken ct)
    {
        var pem = await CertificateFile.ReadAsync(CertificatePath, ct);
        try
        {
            return X509Certificate2.CreateFromPem(pem ?? "");
        }
        catch (CryptographicException)
        {
            throw new DeployFailure($"{Name}: cannot verify the served certificate: {domain.CertificateFileName} holds no readable certificate");
        }
    }
}
