using System.Globalization;
using Concorde.Acme.Crypto;
using Concorde.Acme.Problems;

namespace Concorde.Cli;

/// <summary>`dns-persist-record`: the standing TXT record of draft-ietf-acme-dns-persist for a domain and account,
/// for the administrator to create once. Needs only the server (for its caaIdentities), no key.</summary>
internal static class DnsPersistCommands
{
    public static async Task<int> RecordAsync(LeafArguments args, CliContext context)
    {
        var operands = args.Exactly("<server>", "<account id>", "<domain>");
        var server = OperandParser.Server(args, operands[0]);
        var account = OperandParser.Url(args, operands[1], "<account id> (the account URL)");
        var domain = OperandParser.Name(args, operands[2]).Value;
        var wildcard = args.Option("--wildcard") is not null || domain.StartsWith("*.", StringComparison.Ordinal);
        DateTimeOffset? until = args.Option("--persist-until") is { } text ? ParseTime(args, text) : null;
        var issuers = args.Options("--issuer");
        if (issuers.FirstOrDefault(issuer => !DnsPersistRecord.IsIssuerDomainName(issuer)) is { } bad)
            throw args.Error($"--issuer: '{ServerText.Printable(bad)}' is not a DNS name (letters, digits, '-' and '.')");
        if (issuers.Count == 0)
        {
            using var session = await context.ConnectAsync(new CommandTarget(server));
            var named = session.Client.Directory.Meta?.CaaIdentities ?? [];
            // The directory is the CA's text: only DNS names go into the record the administrator publishes.
            issuers = named.Where(DnsPersistRecord.IsIssuerDomainName).ToList();
            foreach (var refused in named.Where(name => !DnsPersistRecord.IsIssuerDomainName(name)))
                context.Printer.Note($"ignored caaIdentities entry {ServerText.Quote(refused)}: not a DNS name");
            if (issuers.Count == 0)
                throw new CommandFailedException($"{server} names no usable caaIdentities in its directory; pass --issuer <name> " +
                                                 "(a dns-persist-01 challenge lists the names as issuer-domain-names: `reg ... authz`)");
        }
        context.Printer.Line($"TXT record name: {DnsPersistRecord.Name(domain)}");
        foreach (var issuer in issuers)
            context.Printer.Line($"TXT record value: \"{DnsPersistRecord.Value(issuer, account, wildcard, until)}\"");
        if (issuers.Count > 1) context.Printer.Note("any one of these values is enough");
        return ExitCodes.Success;
    }

    private static DateTimeOffset ParseTime(LeafArguments args, string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw args.Error($"--persist-until: '{text}' is not a date or time, e.g. 2027-06-01 or 2027-06-01T00:00:00Z");
}
