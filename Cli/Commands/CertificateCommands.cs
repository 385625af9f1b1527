using System.Security.Cryptography.X509Certificates;
using Concorde.Acme.Crypto;

namespace Concorde.Cli;

/// <summary>Revocation (RFC 8555 §7.6): by the account (`reg ... cert revoke`) or by the certificate's own
/// key (`unreg <cert key> <server> revoke`).</summary>
internal static class CertificateCommands
{
    public static async Task<int> RevokeAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        var path = args.Exactly("<cert.pem>")[0];
        var reason = OperandParser.RevocationReason(args, args.Option("--reason"));
        using var certificate = await CertificatePem.LoadAsync(path, context.Cancellation);
        using var session = await context.ConnectAsync(target);
        await session.Client.RevokeAsync(session.Account, certificate.RawData, reason, context.Cancellation);
        context.Printer.Note($"revoked {Describe(certificate)}");
        return ExitCodes.Success;
    }

    /// <summary>Signed with `jwk` by the certificate's key, which must be the key the certificate certifies.</summary>
    public static async Task<int> RevokeWithCertificateKeyAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        var path = args.Exactly("<cert.pem>")[0];
        var reason = OperandParser.RevocationReason(args, args.Option("--reason"));
        using var certificate = await CertificatePem.LoadAsync(path, context.Cancellation);
        using var session = await context.ConnectAsync(target);
        if (!PublicKeyMatch.BelongsTo(certificate, session.Key))
            throw new CommandFailedException($"{target.KeyPath}: is not the private key of the certificate in {path}; " +
                                                "revoking with the certificate key needs exactly that key");
        await session.Client.RevokeWithCertificateKeyAsync(session.Key, certificate.RawData, reason, context.Cancellation);
        context.Printer.Note($"revoked {Describe(certificate)}");
        return ExitCodes.Success;
    }

    private static string Describe(X509Certificate2 certificate) =>
        $"the certificate with serial {certificate.SerialNumber} ({certificate.Subject})";
}
