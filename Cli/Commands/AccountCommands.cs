using Concorde.Acme.Crypto;
using Concorde.Acme.Keys;

namespace Concorde.Cli;

/// <summary>Accounts (RFC 8555 §7.3): `unreg create|status` and `reg ... acct ...`.</summary>
internal static class AccountCommands
{
    /// <summary>`unreg create`: newAccount with termsOfServiceAgreed, contacts and optional EAB (§7.3, §7.3.4).
    /// A key that already has an account gets it back unchanged (200, not 201: §7.3.1); the note says so and
    /// which options were therefore not applied.</summary>
    public static async Task<int> CreateAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        args.Exactly();
        var contacts = OperandParser.Contacts(args);
        var binding = await OperandParser.ExternalAccountBindingAsync(args, context.EabHmacKeyFromEnvironment, context.Cancellation);
        return await context.PrintAsync(target, "Account", async (s, ct) =>
        {
            var account = await s.Client.NewAccountAsync(s.Key, contacts, termsOfServiceAgreed: true, binding, ct);
            if (account.Created)
            {
                if (s.Client.Directory.Meta?.TermsOfService is { } terms)
                    context.Printer.Note($"agreed to the terms of service at {terms}");
                return account;
            }
            context.Printer.Note($"an account already exists for this key: {account.Location}; it is printed unchanged");
            if (contacts.Count > 0)
                context.Printer.Note("--contact was not applied; to replace the contacts: " +
                                     $"concorde reg {target.KeyPath} {account.Location} {target.Server} acct update --contact <email>...");
            if (binding is not null)
                context.Printer.Note("--eab-kid was not applied: an external account binding is made only when an account is " +
                                     "created (RFC 8555 §7.3.4); this account keeps the binding it has, if any");
            return account;
        });
    }

    /// <summary>`unreg status`: the account of this key, found with onlyReturnExisting (§7.3.1).</summary>
    public static Task<int> FindAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        args.Exactly();
        return context.PrintAsync(target, "Account", (s, ct) => s.Client.FindAccountAsync(s.Key, ct));
    }

    public static Task<int> StatusAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        args.Exactly();
        return context.PrintAsync(target, "Account", (s, ct) => s.Client.GetAccountAsync(s.Account, ct));
    }

    /// <summary>§7.3.2: the contact list is replaced; without --contact it is emptied.</summary>
    public static Task<int> UpdateAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        args.Exactly();
        var contacts = OperandParser.Contacts(args);
        return context.PrintAsync(target, "Account", (s, ct) => s.Client.UpdateContactsAsync(s.Account, contacts, ct));
    }

    /// <summary>§7.3.5 key rollover; afterwards the account answers only to the new key.</summary>
    public static async Task<int> KeyChangeAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        var newKeyPath = args.Exactly("<new key path>")[0];
        using var newKey = await KeyFile.LoadAsync(newKeyPath, context.Cancellation);
        return await context.PrintAsync(target, "Account", async (s, ct) =>
        {
            if (Jwk.SameKey(newKey, s.Key))
                throw new CommandFailedException($"{newKeyPath} is the account's current key; create a new one with `concorde keys create`");
            var account = await s.Client.ChangeKeyAsync(s.Account, newKey, ct);
            context.Printer.Note($"the account now uses the key in {newKeyPath}; give that file as <key> from now on");
            return await s.Client.GetAccountAsync(account, ct);
        });
    }

    /// <summary>§7.3.6: a deactivated account can never be used again.</summary>
    public static Task<int> DeactivateAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        args.Exactly();
        return context.PrintAsync(target, "Account", (s, ct) => s.Client.DeactivateAccountAsync(s.Account, ct));
    }
}
