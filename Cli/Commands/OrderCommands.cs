using System.Net;
using System.Security.Cryptography.X509Certificates;
using Concorde.Acme.Crypto;
using Concorde.Acme.Keys;
using Concorde.Acme.Wire;

namespace Concorde.Cli;

/// <summary>Orders (RFC 8555 §7.4): `reg ... order ...`.</summary>
internal static class OrderCommands
{
    public static Task<int> CreateAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        var identifiers = args.AtLeast([], "<type>|<value>").Repeated.Select(text => OperandParser.Identifier(args, text)).ToArray();
        var profile = args.Option("--profile");
        if (profile is { Length: 0 }) throw args.Error("--profile needs a profile name");
        return context.PrintAsync(target, "Order", (s, ct) =>
        {
            if (profile is not null && s.Client.Directory.Meta?.Profiles?.ContainsKey(profile) != true)
                context.Printer.Note($"the server's directory does not list a profile named '{profile}'; asking for it anyway");
            return s.Client.NewOrderAsync(s.Account, new NewOrderPayload { Identifiers = identifiers, Profile = profile }, ct);
        });
    }

    public static Task<int> StatusAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        var url = OperandParser.Url(args, args.Exactly("<order_id>")[0], "<order_id>");
        return context.PrintAsync(target, "Order", (s, ct) => s.Client.GetOrderAsync(s.Account, url, ct));
    }

    /// <summary>The authorization at position <c>index</c> of the order's list; 0 is the first, as in the
    /// original concorde.</summary>
    public static Task<int> GetAuthorizationAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        var operands = args.Exactly("<order_id>", "<index>");
        var orderUrl = OperandParser.Url(args, operands[0], "<order_id>");
        var index = OperandParser.Number(args, operands[1], "<index>", minimum: 0);
        return context.PrintAsync(target, "Authorization", async (s, ct) =>
        {
            var order = await s.Client.GetOrderAsync(s.Account, orderUrl, ct);
            var count = order.Value.Authorizations.Count;
            if (index >= count)
                throw new CommandFailedException(count == 0
                    ? $"order {orderUrl} has no authorizations"
                    : $"order {orderUrl} has {count} authorization{(count == 1 ? "" : "s")}; <index> must be 0 to {count - 1}, not {index}");
            return await s.Client.GetAuthorizationAsync(s.Account, order.Value.Authorizations[index], ct);
        });
    }

    /// <summary>Sends the CSR (§7.4) for exactly the order's identifiers, in the order given (the first DNS
    /// name becomes the common name), signed by the certificate key; then waits for issuance.</summary>
    public static async Task<int> FinalizeAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        var (operands, nameTexts) = args.AtLeast(["<order_id>", "<cert key>"], "<name>");
        var orderUrl = OperandParser.Url(args, operands[0], "<order_id>");
        var names = nameTexts.Select(text => OperandParser.Name(args, text)).ToArray();
        using var certificateKey = await KeyFile.LoadAsync(operands[1], context.Cancellation);
        return await context.PrintAsync(target, "Order", async (s, ct) =>
        {
            if (Jwk.SameKey(certificateKey, s.Key))
                throw new CommandFailedException($"{operands[1]} is the account key; a certificate needs its own key (RFC 8555 §11.1): `concorde keys create <path>`");
            var order = await s.Client.GetOrderAsync(s.Account, orderUrl, ct);
            var identifiers = InOrderOfNames(order.Value.Identifiers, names);
            var finalized = await s.Client.FinalizeAsync(s.Account, order with { Value = order.Value with { Identifiers = identifiers } },
                certificateKey, ct);
            var result = await s.Client.WaitForOrderAsync(s.Account, finalized, ct);
            // An order finalized before (by an earlier run whose answer was lost, or with another key) is not
            // finalized again: its certificate must belong to this key, or installing the two together breaks TLS.
            if (order.Value.Status != AcmeStatus.Ready && result.Value.Certificate is { } certificateUrl)
            {
                var chain = await s.Client.DownloadCertificateAsync(s.Account, certificateUrl, ct);
                using var leaf = chain.Leaf();
                if (!PublicKeyMatch.BelongsTo(leaf, certificateKey))
                    throw new CommandFailedException($"order {orderUrl} was already finalized with another key: its certificate {certificateUrl} " +
                                                     $"does not belong to {operands[1]}. Create a new order to get a certificate for this key");
            }
            return result;
        });
    }

    /// <summary>The PEM chain of a valid order, or its n-th alternate (§7.4.2, Link rel="alternate").</summary>
    public static async Task<int> GetCertificateAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        var orderUrl = OperandParser.Url(args, args.Exactly("<order_id>")[0], "<order_id>");
        var alternate = args.Option("--alternate") is { } text ? OperandParser.Number(args, text, "--alternate", minimum: 1) : 0;
        using var session = await context.ConnectAsync(target);
        var order = await session.Client.GetOrderAsync(session.Account, orderUrl, context.Cancellation);
        var certificateUrl = order.Value.Certificate ?? throw new CommandFailedException(
            $"order {orderUrl} is {AcmeStatusConverter.Name(order.Value.Status)} and has no certificate yet; " +
            "it needs `order finalize` once it is ready");
        var chain = await session.Client.DownloadCertificateAsync(session.Account, certificateUrl, context.Cancellation);
        if (alternate > 0)
        {
            if (alternate > chain.Alternates.Count)
                throw new CommandFailedException(chain.Alternates.Count == 0
                    ? $"the server offers no alternate chain for {certificateUrl}"
                    : $"the server offers {chain.Alternates.Count} alternate chain{(chain.Alternates.Count == 1 ? "" : "s")}; there is no --alternate {alternate}");
            chain = await session.Client.DownloadCertificateAsync(session.Account, chain.Alternates[alternate - 1], context.Cancellation);
        }
        context.Printer.Pem(chain.Pem);
        return ExitCodes.Success;
    }

    /// <summary>The order's identifiers, as the server spells them, in the order of the given names. A CA must
    /// refuse a CSR whose names differ from the order's (§7.4); saying so here names the difference.</summary>
    private static IReadOnlyList<Identifier> InOrderOfNames(IReadOnlyList<Identifier> ordered, IReadOnlyList<Identifier> names)
    {
        var byCanonical = ordered.GroupBy(i => i.Canonical(), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var matched = names.Select(n => byCanonical.GetValueOrDefault(n.Canonical())).ToArray();
        if (matched.All(m => m is not null) && matched.Distinct().Count() == byCanonical.Count && matched.Length == byCanonical.Count)
            return matched.Select(m => m!).ToArray();
        throw new CommandFailedException(
            $"the names must be exactly the order's identifiers ({string.Join(", ", ordered)}); given: {string.Join(", ", names)}");
    }
}
