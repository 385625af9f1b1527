namespace Concorde.Shaman;

/// <summary>Puts a certificate in place and runs the deploy hook after the file changed — and on every later run
/// until the hook succeeds: a server that failed to reload would otherwise keep serving the old certificate until it
/// expires.</summary>
public sealed class CertificateDeployer(DomainSettings domain, ShamanContext context, DomainState state)
{
    private string Name => domain.Name;
    private string CertificatePath => context.Document.ResolvePath(domain.CertificateFileName);
    private string? DeployProgram => domain.Deploy ?? context.Settings.Deploy;

    public async Task WriteIfChangedAsync(string pem, CancellationToken ct)
    {
        var path = CertificatePath;
        if (await CertificateFile.ReadAsync(path, ct) == pem) return;
        var verb = File.Exists(path) ? "updating" : "writing";
        // Recorded first: a crash right after the write must still deploy the new file on the next run.
        if (DeployProgram is not null) await state.SetDeployPendingAsync(true, ct);
        await CertificateFile.WriteAsync(path, pem, ct);
        context.Log.Info($"{Name}: {verb} certificate {domain.CertificateFileName}");
    }

    /// <summary>A failure is reported, but the certificate stays: issuing again would not help.</summary>
    public async Task DeployIfPendingAsync(CancellationToken ct)
    {
        if (!state.DeployPending) return;
        if (DeployProgram is not { } program)
        {
            await state.SetDeployPendingAsync(false, ct);
            return;
        }
        var environment = new Dictionary<string, string>
        {
            ["CONCORDE_DOMAIN"] = Name,
            ["CONCORDE_CERT_PATH"] = CertificatePath,
            ["CONCORDE_KEY_PATH"] = context.Document.ResolvePath(state.KeyFile ?? domain.KeyFileName),
        };
        try
        {
            await context.Programs.RunAsync(program, $"{Name}: deploy", "", environment, ct);
        }
        catch (ProgramFailedException e)
        {
            throw new DeployFailure($"{e.Message}; the new certificate is in place, and the deploy step runs again on the next run");
        }
        await state.SetDeployPendingAsync(false, ct);
        context.Log.Info($"{Name}: deployed with {program}");
    }
}
