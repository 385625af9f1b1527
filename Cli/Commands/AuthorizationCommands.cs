namespace Concorde.Cli;

/// <summary>Authorizations (RFC 8555 §7.5): `reg ... authz <authz_id> ...`.</summary>
internal static class AuthorizationCommands
{
    public static Task<int> StatusAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        var url = AuthorizationUrl(args);
        return context.PrintAsync(target, "Authorization", (s, ct) => s.Client.GetAuthorizationAsync(s.Account, url, ct));
    }

    /// <summary>§7.5.2: the account gives the authorization up.</summary>
    public static Task<int> DeactivateAsync(LeafArguments args, CommandTarget target, CliContext context)
    {
        var url = AuthorizationUrl(args);
        return context.PrintAsync(target, "Authorization", (s, ct) => s.Client.DeactivateAuthorizationAsync(s.Account, url, ct));
    }

    private static Uri AuthorizationUrl(LeafArguments args) =>
        OperandParser.Url(args, args.Exactly("<authz_id>")[0], "<authz_id>");
}
