namespace Concorde.Cli;

/// <summary>Every `--help` page of the `concorde` command line, as one tree.</summary>
internal static class CommandHelp
{
    private const string Reg = "concorde reg <key> <account id> <server>";
    private const string RegExample = "concorde reg account.key \"$ACCOUNT\" \"$SERVER\"";

    public static readonly string ExitStatus = $"""
        Exit status:
          {ExitCodes.Success,-4} success
          {ExitCodes.Failure,-4} the operation failed: an ACME problem, a network, TLS or file error
          {ExitCodes.Usage,-4} usage error: wrong or missing arguments; nothing was done
          {ExitCodes.Interrupted,-4} interrupted (SIGINT/SIGTERM)
        """;

    public const string Placeholders = """
        <server> is the ACME directory URL (https://; http:// only for localhost). <key> is a private key
        in PEM (P-384, made by `concorde keys create`). <account id>, <order_id>, <authz_id> and
        <challenge_id> are the full URLs the server returned: they follow `Account:`, `Order:`,
        `Authorization:` and `Challenge:` in the output, and appear in the printed JSON.
        """;

    // ---- keys -------------------------------------------------------------------------------------------

    public static readonly HelpPage KeysCreate = new()
    {
        Names = ["create"],
        Summary = "write a new P-384 private key (PKCS#8 PEM, mode 0600); never overwrites a file",
        Usage = ["concorde keys create <path>"],
        Description = "Creates an ECDSA P-384 key for an account or a certificate. `key create` is accepted too.",
        Examples = ["concorde keys create account.key", "concorde keys create example.com.key"],
    };

    public static readonly HelpPage Keys = new()
    {
        Names = ["keys", "key"],
        Summary = "create private keys",
        Usage = ["concorde keys create <path>"],
        Subcommands = [KeysCreate],
        Examples = KeysCreate.Examples,
    };

    // ---- unreg ------------------------------------------------------------------------------------------

    private static readonly HelpOption Contact = new("--contact", "<email>",
        "contact address; `mailto:` is added when no scheme is given", Repeatable: true);

    private static readonly HelpOption Reason = new("--reason", "<code>",
        "RFC 5280 reason: 0-10 except 7, or its name (unspecified, keyCompromise, cACompromise, " +
        "affiliationChanged, superseded, cessationOfOperation, certificateHold, removeFromCRL, " +
        "privilegeWithdrawn, aACompromise)");

    public static readonly HelpPage UnregCreate = new()
    {
        Names = ["create"],
        Summary = "create an account for <key>, agreeing to the terms of service; prints the account id",
        Usage = ["concorde unreg <key> <server> create [--contact <email>]... [--eab-kid <kid> [--eab-hmac-key-file <path> | --eab-hmac-key <base64url>] [--eab-alg <alg>]]"],
        Description = "Creating an account agrees to the server's terms of service; their URL is printed on stderr. " +
                      "If <key> already has an account, that account is printed unchanged and a note on stderr says which " +
                      "options were not applied. The external account binding's MAC key is a secret: give it in a file " +
                      "(--eab-hmac-key-file) or in the environment variable CONCORDE_EAB_HMAC_KEY, not with --eab-hmac-key, " +
                      "whose value other users see in `ps` and the shell keeps in its history.",
        Options =
        [
            Contact,
            new("--eab-kid", "<kid>", "external account binding key id, from the CA (RFC 8555 §7.3.4)"),
            new("--eab-hmac-key-file", "<path>", "file holding the CA's external account binding MAC key (base64url; " +
                "surrounding whitespace is ignored); preferred. Without this option and --eab-hmac-key, " +
                "the key is read from the environment variable CONCORDE_EAB_HMAC_KEY"),
            new("--eab-hmac-key", "<base64url>", "the MAC key itself; visible in `ps` and shell history, so prefer " +
                "--eab-hmac-key-file or CONCORDE_EAB_HMAC_KEY"),
            new("--eab-alg", "<alg>", "the MAC algorithm the CA names for the key: HS256 (default), HS384 or HS512"),
        ],
        Examples =
        [
            "SERVER=https://acme-staging-v02.api.letsencrypt.org/directory",
            "concorde unreg account.key \"$SERVER\" create --contact admin@example.com",
            "concorde unreg account.key \"$SERVER\" create --eab-kid kid-1 --eab-hmac-key-file eab-mac.key",
        ],
    };

    public static readonly HelpPage UnregStatus = new()
    {
        Names = ["status"],
        Summary = "find the account of <key> and print it (with its id)",
        Usage = ["concorde unreg <key> <server> status"],
        Examples = ["concorde unreg account.key \"$SERVER\" status"],
    };

    public static readonly HelpPage UnregRevoke = new()
    {
        Names = ["revoke"],
        Summary = "revoke a certificate, signed with the certificate's own key (no account needed)",
        Usage = ["concorde unreg <cert key> <server> revoke <cert.pem> [--reason <code>]"],
        Description = "Here the key is the certificate's private key, e.g. when the account key is lost (RFC 8555 §7.6).",
        Options = [Reason],
        Examples = ["concorde unreg example.com.key \"$SERVER\" revoke example.com.pem --reason keyCompromise"],
    };

    public static readonly HelpPage Unreg = new()
    {
        Names = ["unreg"],
        Summary = "actions with a key that needs no account id: create, status, revoke",
        Usage = ["concorde unreg <key> <server> create|status|revoke ..."],
        Subcommands = [UnregCreate, UnregStatus, UnregRevoke],
        Examples = [.. UnregCreate.Examples.Take(2), .. UnregStatus.Examples],
    };

    // ---- reg acct ---------------------------------------------------------------------------------------

    public static readonly HelpPage AcctStatus = new()
    {
        Names = ["status"],
        Summary = "print the account",
        Usage = [$"{Reg} acct status"],
        Examples = [$"{RegExample} acct status"],
    };

    public static readonly HelpPage AcctUpdate = new()
    {
        Names = ["update"],
        Summary = "replace the account's contacts (none given: remove every contact)",
        Usage = [$"{Reg} acct update [--contact <email>]..."],
        Options = [Contact],
        Examples = [$"{RegExample} acct update --contact admin@example.com --contact ops@example.com"],
    };

    public static readonly HelpPage AcctKeyChange = new()
    {
        Names = ["key-change"],
        Summary = "roll the account over to a new key (RFC 8555 §7.3.5); use the new key afterwards",
        Usage = [$"{Reg} acct key-change <new key path>"],
        Examples = ["concorde keys create account-2.key", $"{RegExample} acct key-change account-2.key"],
    };

    public static readonly HelpPage AcctDeactivate = new()
    {
        Names = ["deactivate"],
        Summary = "deactivate the account for good (RFC 8555 §7.3.6); it cannot be undone",
        Usage = [$"{Reg} acct deactivate"],
        Examples = [$"{RegExample} acct deactivate"],
    };

    public static readonly HelpPage Acct = new()
    {
        Names = ["acct"],
        Summary = "show and manage the account: status, update, key-change, deactivate",
        Usage = [$"{Reg} acct status|update|key-change|deactivate ..."],
        Subcommands = [AcctStatus, AcctUpdate, AcctKeyChange, AcctDeactivate],
        Examples = [.. AcctStatus.Examples, .. AcctUpdate.Examples],
    };

    // ---- reg order --------------------------------------------------------------------------------------

    public static readonly HelpPage OrderCreate = new()
    {
        Names = ["create"],
        Summary = "order a certificate for identifiers such as 'dns|example.com' or 'ip|192.0.2.7'",
        Usage = [$"{Reg} order create [--profile <name>] <type>|<value> [<type>|<value>...]"],
        Description = "<type> is dns or ip. Quote each identifier: `|` is special to the shell.",
        Options = [new("--profile", "<name>", "certificate profile the server offers (see `concorde directory`)")],
        Examples = [$"{RegExample} order create 'dns|example.com' 'dns|www.example.com'"],
    };

    public static readonly HelpPage OrderStatus = new()
    {
        Names = ["status"],
        Summary = "print an order",
        Usage = [$"{Reg} order status <order_id>"],
        Examples = [$"{RegExample} order status \"$ORDER\""],
    };

    public static readonly HelpPage OrderGetAuthz = new()
    {
        Names = ["get-authz"],
        Summary = "print the order's authorization number <index> (0 is the first), with its challenges",
        Usage = [$"{Reg} order get-authz <order_id> <index>"],
        Examples = [$"{RegExample} order get-authz \"$ORDER\" 0"],
    };

    public static readonly HelpPage OrderFinalize = new()
    {
        Names = ["finalize"],
        Summary = "send the CSR for a ready order and wait until the certificate is issued",
        Usage = [$"{Reg} order finalize <order_id> <cert key> <name> [<name>...]"],
        Description = "<cert key> is the certificate's private key (it must not be the account key). The <name>s " +
                      "(example.com, 192.0.2.7 or 'dns|example.com') must be exactly the order's identifiers; the " +
                      "first DNS name becomes the subject's common name.",
        Examples =
        [
            "concorde keys create example.com.key",
            $"{RegExample} order finalize \"$ORDER\" example.com.key example.com www.example.com",
        ],
    };

    public static readonly HelpPage OrderGetCert = new()
    {
        Names = ["get-cert"],
        Summary = "print the issued certificate chain (PEM only), or an alternate chain",
        Usage = [$"{Reg} order get-cert <order_id> [--alternate <n>]"],
        Options = [new("--alternate", "<n>", "print the n-th alternate chain the server offers (1 is the first)")],
        Examples =
        [
            $"{RegExample} order get-cert \"$ORDER\" > example.com.pem",
            $"{RegExample} order get-cert \"$ORDER\" --alternate 1 > example.com-alt.pem",
        ],
    };

    public static readonly HelpPage Order = new()
    {
        Names = ["order"],
        Summary = "create and follow orders: create, status, get-authz, finalize, get-cert",
        Usage = [$"{Reg} order create|status|get-authz|finalize|get-cert ..."],
        Subcommands = [OrderCreate, OrderStatus, OrderGetAuthz, OrderFinalize, OrderGetCert],
        Examples = [.. OrderCreate.Examples, .. OrderGetAuthz.Examples, .. OrderFinalize.Examples.Skip(1), .. OrderGetCert.Examples.Take(1)],
    };

    // ---- reg challenge ----------------------------------------------------------------------------------

    public static readonly HelpPage ChallengeStatus = new()
    {
        Names = ["status"],
        Summary = "print a challenge",
        Usage = [$"{Reg} challenge <challenge_id> status"],
        Examples = [$"{RegExample} challenge \"$CHALLENGE\" status"],
    };

    public static readonly HelpPage ChallengeAuthorize = new()
    {
        Names = ["authorize"],
        Summary = "print what to publish: the key authorization; for dns-01 and dns-account-01 the TXT record name and value",
        Usage = [$"{Reg} challenge <challenge_id> authorize [--authz <authz_id>]"],
        Description = "Prints `Key authorization: <value>`; for http-01 also where to serve it, for dns-01 the TXT record " +
                      "value and name (for dns-account-01 the same value at _<account label>._acme-challenge.<domain>), for tls-alpn-01 the acmeIdentifier digest. Names need the identifier, which only the " +
                      "authorization holds: concorde follows the challenge's Link rel=\"up\" (RFC 8555 §7.5.1) when the " +
                      "server sends one, else the authorization given with --authz. Without either, the TXT record name is " +
                      "_acme-challenge.<domain>.",
        Options = [new("--authz", "<authz_id>", "the authorization the challenge belongs to (printed by `order get-authz`)")],
        Examples = [$"{RegExample} challenge \"$CHALLENGE\" authorize --authz \"$AUTHZ\""],
    };

    public static readonly HelpPage ChallengeValidate = new()
    {
        Names = ["validate"],
        Summary = "tell the server the response is published and wait for its verdict",
        Usage = [$"{Reg} challenge <challenge_id> validate"],
        Description = "Prints the final challenge. Exits 1 with the server's problem when validation failed.",
        Examples = [$"{RegExample} challenge \"$CHALLENGE\" validate"],
    };

    public static readonly HelpPage Challenge = new()
    {
        Names = ["challenge"],
        Summary = "answer a challenge: status, authorize, validate",
        Usage = [$"{Reg} challenge <challenge_id> status|authorize|validate"],
        Subcommands = [ChallengeStatus, ChallengeAuthorize, ChallengeValidate],
        Examples = [.. ChallengeAuthorize.Examples, .. ChallengeValidate.Examples],
    };

    // ---- reg authz --------------------------------------------------------------------------------------

    public static readonly HelpPage AuthzStatus = new()
    {
        Names = ["status"],
        Summary = "print an authorization",
        Usage = [$"{Reg} authz <authz_id> status"],
        Examples = [$"{RegExample} authz \"$AUTHZ\" status"],
    };

    public static readonly HelpPage AuthzDeactivate = new()
    {
        Names = ["deactivate"],
        Summary = "give up an authorization (RFC 8555 §7.5.2)",
        Usage = [$"{Reg} authz <authz_id> deactivate"],
        Examples = [$"{RegExample} authz \"$AUTHZ\" deactivate"],
    };

    public static readonly HelpPage Authz = new()
    {
        Names = ["authz"],
        Summary = "show or deactivate an authorization: status, deactivate",
        Usage = [$"{Reg} authz <authz_id> status|deactivate"],
        Subcommands = [AuthzStatus, AuthzDeactivate],
        Examples = [.. AuthzStatus.Examples, .. AuthzDeactivate.Examples],
    };

    // ---- reg cert ---------------------------------------------------------------------------------------

    public static readonly HelpPage CertRevoke = new()
    {
        Names = ["revoke"],
        Summary = "revoke a certificate with the account key",
        Usage = [$"{Reg} cert revoke <cert.pem> [--reason <code>]"],
        Options = [Reason],
        Examples = [$"{RegExample} cert revoke example.com.pem --reason superseded"],
    };

    public static readonly HelpPage Cert = new()
    {
        Names = ["cert"],
        Summary = "act on certificates: revoke",
        Usage = [$"{Reg} cert revoke <cert.pem> [--reason <code>]"],
        Subcommands = [CertRevoke],
        Examples = CertRevoke.Examples,
    };

    public static readonly HelpPage Registered = new()
    {
        Names = ["reg"],
        Summary = "actions as a registered account: acct, order, challenge, authz, cert",
        Usage = [$"{Reg} acct|order|challenge|authz|cert ..."],
        Subcommands = [Acct, Order, Challenge, Authz, Cert],
        Examples = [.. AcctStatus.Examples, .. OrderCreate.Examples, .. ChallengeAuthorize.Examples],
    };

    // ---- server-only commands ---------------------------------------------------------------------------

    public static readonly HelpPage Directory = new()
    {
        Names = ["directory"],
        Summary = "print the server's directory (endpoints, terms of service, profiles)",
        Usage = ["concorde directory <server>"],
        Examples = ["concorde directory https://acme-staging-v02.api.letsencrypt.org/directory"],
    };

    public static readonly HelpPage RenewalInfo = new()
    {
        Names = ["renewal-info"],
        Summary = "ask when to renew a certificate (ARI, RFC 9773); prints the certificate ID and the answer",
        Usage = ["concorde renewal-info <server> <cert.pem>"],
        Examples = ["concorde renewal-info \"$SERVER\" example.com.pem"],
    };

    public static readonly HelpPage DnsPersistRecord = new()
    {
        Names = ["dns-persist-record"],
        Summary = "print the standing dns-persist-01 TXT record that authorizes an account for a domain",
        Usage = ["concorde dns-persist-record <server> <account id> <domain> [--wildcard] [--persist-until <time>] [--issuer <name>]..."],
        Description = "Prints `TXT record name: _validation-persist.<domain>` and one `TXT record value: \"<issuer>; " +
                      "accounturi=<account id>[; policy=wildcard][; persistUntil=<UNIX seconds>]\"` per issuer domain name " +
                      "(draft-ietf-acme-dns-persist); any one of them is enough. The issuer names are the --issuer options, else " +
                      "the directory's caaIdentities (a dns-persist-01 challenge lists them as issuer-domain-names: `reg ... authz`). " +
                      "Hand the record to whoever runs the DNS; then `shaman` needs no authenticator (\"persist\" in shaman.json).",
        Options =
        [
            new("--wildcard", null, "add policy=wildcard: the record also authorizes *.<domain> and names below it"),
            new("--persist-until", "<time>", "add persistUntil: the CA refuses the record after this date or time (e.g. 2027-06-01)"),
            new("--issuer", "<name>", "the CA's issuer domain name (repeatable); default: the directory's caaIdentities", Repeatable: true),
        ],
        Examples = ["concorde dns-persist-record \"$SERVER\" \"$ACCOUNT\" example.com --wildcard --persist-until 2027-06-01"],
    };

    // ---- the root ---------------------------------------------------------------------------------------

    public static readonly HelpOption CaBundle = new("--ca-bundle", "<pem>",
        "also trust the CA certificates in this PEM file (private ACME servers); env CONCORDE_CA_BUNDLE");

    public static readonly HelpPage Root = new()
    {
        Names = ["concorde"],
        Summary = "a manual, stateless ACME (RFC 8555) client",
        Usage = ["concorde [--ca-bundle <pem>] <subcommand> ...", "concorde --help | --version", "concorde shaman ..."],
        Description = "Everything comes from the arguments; no configuration file is read. For automatic issuance and " +
                      "renewal use `concorde shaman` (or the `shaman` link).",
        Options =
        [
            CaBundle,
            new("--help", null, "show help; also after any subcommand, e.g. `concorde reg --help`"),
            new("--version", null, "print the version"),
        ],
        Subcommands = [Keys, Unreg, Registered, Directory, RenewalInfo, DnsPersistRecord],
        Examples =
        [
            "SERVER=https://acme-staging-v02.api.letsencrypt.org/directory",
            "concorde keys create account.key",
            "concorde unreg account.key \"$SERVER\" create --contact admin@example.com   # prints Account: <url>",
            "ACCOUNT=<the account URL printed above>",
            $"{RegExample} order create 'dns|example.com'   # prints Order: <url>",
        ],
    };

    /// <summary>The subcommand words leading to <paramref name="page"/>, e.g. "reg order status".</summary>
    public static string PathOf(HelpPage page)
    {
        return Search(Root, []) is { } path ? string.Join(' ', path) : page.Name;

        List<string>? Search(HelpPage at, List<string> trail)
        {
            if (ReferenceEquals(at, page)) return trail;
            foreach (var child in at.Subcommands)
                if (Search(child, [.. trail, child.Name]) is { } found) return found;
            return null;
        }
    }
}
