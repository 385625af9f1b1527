using H = Concorde.Cli.CommandHelp;

namespace Concorde.Cli;

/// <summary>Picks the leaf command from the words of the command line: a nested switch, one level per
/// subcommand, no reflection. Each level names what is missing or unknown with its own usage.</summary>
internal static class CliRouter
{
    public static Task<int> RouteAsync(SplitArguments split, CliContext context) => split.Words switch
    {
        [] => throw Missing(H.Root, "subcommand (keys, unreg, reg, directory, renewal-info or dns-persist-record)"),
        ["keys" or "key", .. var rest] => Keys(rest, split, context),
        ["unreg", .. var rest] => Unregistered(rest, split, context),
        ["reg", .. var rest] => Registered(rest, split, context),
        ["directory", .. var rest] => ServerCommands.DirectoryAsync(Leaf(H.Directory, rest, split), context),
        ["renewal-info", .. var rest] => ServerCommands.RenewalInfoAsync(Leaf(H.RenewalInfo, rest, split), context),
        ["dns-persist-record", .. var rest] => DnsPersistCommands.RecordAsync(Leaf(H.DnsPersistRecord, rest, split), context),
        [var other, ..] => throw Unknown(H.Root, other),
    };

    /// <summary>The help page a command line points at: subcommand words are followed down the tree and
    /// anything else (keys, URLs, ids) is stepped over, so `concorde reg k a s order --help` shows `order`.</summary>
    public static HelpPage HelpFor(IEnumerable<string> words)
    {
        var page = H.Root;
        foreach (var word in words)
            page = page.Find(word) ?? page;
        return page;
    }

    /// <summary>`concorde help <topic>...`: every word names a subcommand, so an unknown one is a usage error
    /// naming it, shown with the nearest page that exists.</summary>
    public static HelpPage HelpTopic(IEnumerable<string> words)
    {
        var page = H.Root;
        foreach (var word in words)
            page = page.Find(word) ?? throw new UsageException(page, page.Subcommands.Count == 0
                ? $"no help topic '{word}': `concorde {CommandHelp.PathOf(page)}` has no subcommands"
                : $"no help topic '{word}'{Under(page)}; expected one of: {string.Join(", ", page.Subcommands.Select(s => s.Name))}");
        return page;

        static string Under(HelpPage page) => ReferenceEquals(page, H.Root) ? "" : $" under `concorde {CommandHelp.PathOf(page)}`";
    }

    private static Task<int> Keys(string[] words, SplitArguments split, CliContext context) => words switch
    {
        [] => throw Missing(H.Keys, "keys subcommand (create)"),
        ["create", .. var rest] => KeyCommands.CreateAsync(Leaf(H.KeysCreate, rest, split), context),
        [var other, ..] => throw Unknown(H.Keys, other),
    };

    // unreg <key> <server> <subcommand> ...
    private static Task<int> Unregistered(string[] words, SplitArguments split, CliContext context)
    {
        if (words is not [var key, var server, var verb, .. var rest])
            throw words.Length switch
            {
                0 => Missing(H.Unreg, "<key>"),
                1 => Missing(H.Unreg, "<server>"),
                _ => Missing(H.Unreg, "unreg subcommand (create, status or revoke)"),
            };
        return verb switch
        {
            "create" => Run(H.UnregCreate, AccountCommands.CreateAsync),
            "status" => Run(H.UnregStatus, AccountCommands.FindAsync),
            "revoke" => Run(H.UnregRevoke, CertificateCommands.RevokeWithCertificateKeyAsync),
            _ => throw Unknown(H.Unreg, verb),
        };

        Task<int> Run(HelpPage page, Func<LeafArguments, CommandTarget, CliContext, Task<int>> command)
        {
            var leaf = Leaf(page, rest, split);
            return command(leaf, new CommandTarget(OperandParser.Server(leaf, server), key), context);
        }
    }

    // reg <key> <account id> <server> <group> ...
    private static Task<int> Registered(string[] words, SplitArguments split, CliContext context) => words switch
    {
        [] => throw Missing(H.Registered, "<key>"),
        [_] => throw Missing(H.Registered, "<account id>"),
        [_, _] => throw Missing(H.Registered, "<server>"),
        [_, _, _] => throw Missing(H.Registered, "reg subcommand (acct, order, challenge, authz or cert)"),
        [var key, var account, var server, var group, .. var rest] => group switch
        {
            "acct" => Account(rest, new RegisteredWords(key, account, server), split, context),
            "order" => Order(rest, new RegisteredWords(key, account, server), split, context),
            "challenge" => Challenge(rest, new RegisteredWords(key, account, server), split, context),
            "authz" => Authorization(rest, new RegisteredWords(key, account, server), split, context),
            "cert" => Certificate(rest, new RegisteredWords(key, account, server), split, context),
            _ => throw Unknown(H.Registered, group),
        },
    };

    private static Task<int> Account(string[] words, RegisteredWords reg, SplitArguments split, CliContext context) => words switch
    {
        [] => throw Missing(H.Acct, "acct subcommand (status, update, key-change or deactivate)"),
        ["status", .. var rest] => reg.Run(H.AcctStatus, rest, split, context, AccountCommands.StatusAsync),
        ["update", .. var rest] => reg.Run(H.AcctUpdate, rest, split, context, AccountCommands.UpdateAsync),
        ["key-change", .. var rest] => reg.Run(H.AcctKeyChange, rest, split, context, AccountCommands.KeyChangeAsync),
        ["deactivate", .. var rest] => reg.Run(H.AcctDeactivate, rest, split, context, AccountCommands.DeactivateAsync),
        [var other, ..] => throw Unknown(H.Acct, other),
    };

    private static Task<int> Order(string[] words, RegisteredWords reg, SplitArguments split, CliContext context) => words switch
    {
        [] => throw Missing(H.Order, "order subcommand (create, status, get-authz, finalize or get-cert)"),
        ["create", .. var rest] => reg.Run(H.OrderCreate, rest, split, context, OrderCommands.CreateAsync),
        ["status", .. var rest] => reg.Run(H.OrderStatus, rest, split, context, OrderCommands.StatusAsync),
        ["get-authz", .. var rest] => reg.Run(H.OrderGetAuthz, rest, split, context, OrderCommands.GetAuthorizationAsync),
        ["finalize", .. var rest] => reg.Run(H.OrderFinalize, rest, split, context, OrderCommands.FinalizeAsync),
        ["get-cert", .. var rest] => reg.Run(H.OrderGetCert, rest, split, context, OrderCommands.GetCertificateAsync),
        [var other, ..] => throw Unknown(H.Order, other),
    };

    // challenge <challenge_id> <subcommand>: the id comes first, as in the original grammar.
    private static Task<int> Challenge(string[] words, RegisteredWords reg, SplitArguments split, CliContext context) => words switch
    {
        [] => throw Missing(H.Challenge, "<challenge_id>"),
        [_] => throw Missing(H.Challenge, "challenge subcommand (status, authorize or validate)"),
        [var id, "status", .. var rest] => reg.Run(H.ChallengeStatus, [id, .. rest], split, context, ChallengeCommands.StatusAsync),
        [var id, "authorize", .. var rest] => reg.Run(H.ChallengeAuthorize, [id, .. rest], split, context, ChallengeCommands.AuthorizeAsync),
        [var id, "validate", .. var rest] => reg.Run(H.ChallengeValidate, [id, .. rest], split, context, ChallengeCommands.ValidateAsync),
        [_, var other, ..] => throw Unknown(H.Challenge, other),
    };

    private static Task<int> Authorization(string[] words, RegisteredWords reg, SplitArguments split, CliContext context) => words switch
    {
        [] => throw Missing(H.Authz, "<authz_id>"),
        [_] => throw Missing(H.Authz, "authz subcommand (status or deactivate)"),
        [var id, "status", .. var rest] => reg.Run(H.AuthzStatus, [id, .. rest], split, context, AuthorizationCommands.StatusAsync),
        [var id, "deactivate", .. var rest] => reg.Run(H.AuthzDeactivate, [id, .. rest], split, context, AuthorizationCommands.DeactivateAsync),
        [_, var other, ..] => throw Unknown(H.Authz, other),
    };

    private static Task<int> Certificate(string[] words, RegisteredWords reg, SplitArguments split, CliContext context) => words switch
    {
        [] => throw Missing(H.Cert, "cert subcommand (revoke)"),
        ["revoke", .. var rest] => reg.Run(H.CertRevoke, rest, split, context, CertificateCommands.RevokeAsync),
        [var other, ..] => throw Unknown(H.Cert, other),
    };

    private static LeafArguments Leaf(HelpPage page, string[] operands, SplitArguments split) => new(page, operands, split);

    private static UsageException Missing(HelpPage page, string what) => new(page, $"missing {what}");

    private static UsageException Unknown(HelpPage page, string word) =>
        new(page, $"unknown subcommand '{word}'; expected one of: {string.Join(", ", page.Subcommands.Select(s => s.Name))}");

    /// <summary>The three words before a `reg` group, checked once the leaf is known so that a mistake is
    /// shown with the leaf's usage.</summary>
    private sealed record RegisteredWords(string Key, string Account, string Server)
    {
        public Task<int> Run(HelpPage page, string[] operands, SplitArguments split, CliContext context,
            Func<LeafArguments, CommandTarget, CliContext, Task<int>> command)
        {
            var leaf = Leaf(page, operands, split);
            var target = new CommandTarget(OperandParser.Server(leaf, Server), Key,
                OperandParser.Url(leaf, Account, "<account id> (the account URL)"));
            return command(leaf, target, context);
        }
    }
}
