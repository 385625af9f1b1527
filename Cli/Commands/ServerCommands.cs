using Concorde.Acme.Crypto;

namespace Concorde.Cli;

/// <summary>Commands that need only the server: `directory` and `renewal-info`.</summary>
internal static class ServerCommands
{
    /// <summary>RFC 8555 §7.1.1, printed as the server sent it.</summary>
    public static async Task<int> DirectoryAsync(LeafArguments args, CliContext context)
    {
        var server = OperandParser.Server(args, args.Exactly("<server>")[0]);
        using var session = await context.ConnectAsync(new CommandTarget(server));
        context.Printer.Resource("Directory", session.Client.DirectoryUrl, session.Client.DirectoryJson);
        return ExitCodes.Success;
    }

    /// <summary>RFC 9773 §4: the certificate ID (AKI keyIdentifier "." serial) and the server's suggested
    /// renewal window.</summary>
    public static async Task<int> RenewalInfoAsync(LeafArguments args, CliContext context)
    {
        var operands = args.Exactly("<server>", "<cert.pem>");
        var server = OperandParser.Server(args, operands[0]);
        using var certificate = await CertificatePem.LoadAsync(operands[1], context.Cancellation);
        string certificateId;
        try
        {
            certificateId = CertificateId.For(certificate);
        }
        catch (ArgumentException e)
        {
            throw new CommandFailedException($"{operands[1]}: {e.Message}");
        }
        using var session = await context.ConnectAsync(new CommandTarget(server));
        if (!session.Client.SupportsRenewalInfo)
            throw new CommandFailedException($"{server} does not offer renewal information (ARI, RFC 9773): its directory has no renewalInfo");
        var info = await session.Client.GetRenewalInfoAsync(certificateId, context.Cancellation);
        context.Printer.Line($"Certificate ID: {certificateId}");
        context.Printer.Json(info.Json);
        if (info.RetryAfter is { } wait)
            context.Printer.Note($"the server asks to check again in {wait.TotalHours:0.#} h (Retry-After)");
        return ExitCodes.Success;
    }
}
