namespace Concorde.Shaman;

/// <summary>Parsed `shaman` command line.</summary>
public sealed record ShamanOptions
{
    public string ProfileDirectory { get; init; } = ".";
    /// <summary>--status: the profile directories after the first (`shaman --status /etc/shaman/*`).</summary>
    public IReadOnlyList<string> MoreProfileDirectories { get; init; } = [];
    public bool Quiet { get; init; }
    public bool Help { get; init; }
    public bool Version { get; init; }
    /// <summary>Ignore the failure backoff: try failed domains now.</summary>
    public bool Force { get; init; }
    /// <summary>Print each domain's state and plan, contact nobody, change nothing.</summary>
    public bool Status { get; init; }
    public bool Json { get; init; }
    /// <summary>Print what a run would do, contact nobody, change nothing.</summary>
    public bool DryRun { get; init; }
    /// <summary>Sleep a random time up to this first (cron spreading); skipped on a terminal.</summary>
    public TimeSpan? RandomSleep { get; init; }
    /// <summary>--renew, --new-key, --revoke: what the administrator asks for named domains (<see cref="ShamanVerbs"/>).</summary>
    public ShamanVerbs Verbs { get; init; } = ShamanVerbs.None;
    /// <summary>--import-certbot: a certbot config directory or one renewal .conf, made into the profile's domains.</summary>
    public string? ImportCertbot { get; init; }
    /// <summary>Where syslog datagrams go; tests point it at their own socket.</summary>
    public string SyslogSocket { get; init; } = SyslogSender.DefaultSocketPath;

    public static readonly string Usage = $$"""
        usage: shaman [options] [<profile dir>]
               shaman --status [--json | -q] <profile dir>...
               shaman --import-certbot <certbot config dir | renewal/NAME.conf> [<profile dir>]
               concorde shaman [options] [<profile dir>]

        Keeps the certificates of one profile issued and renewed. Reads and updates
        <profile dir>/shaman.json (default: the current directory): creates the keys and the
        ACME account, orders certificates, runs the authenticators, writes
        <name>.cert.pub.pem, and renews in time (the CA's ARI window when it offers one, else
        `renewal` days before expiry, else when a third of the lifetime remains).
        Safe to run as often as you like (cron: twice a day); a run with nothing to do
        contacts no server.

        options:
          -q, --quiet              print only warnings and errors (for cron mail); with --status:
                                   only the domains that need attention, one line each
          --status                 show each domain's certificate, renewal plan, last error and
                                   backoff, of one profile or several; contacts nobody, changes
                                   nothing; exit status 1 when a domain needs attention (failing,
                                   backing off, due, deploy pending, not served, no certificate)
          --json                   with --status: machine-readable output (one document)
          --dry-run                print the warnings and what a run would do; contacts nobody,
                                   changes nothing; exit status 1 when the run would fail
          --force                  try domains that are backing off after failures now
          --random-sleep <secs>    first sleep a random time up to <secs> (spreads cron load;
                                   skipped when stdout is a terminal)
          --renew                  order new certificates now, whatever the schedule or backoff,
                                   for the --domain names (all domains when none is given)
          --domain <name>          with --renew: a domain to renew (repeat for more)
          --new-key                with --renew: replace each renewed domain's key first (the old
                                   file is kept as <key file>.old-<UTC time>)
          --revoke <name>          revoke the domain's certificate at the CA, set the file aside
                                   (<cert file>.revoked-<UTC time>) and issue its replacement now;
                                   no other domain is worked on
          --reason <reason>        with --revoke: unspecified (default), keyCompromise (also
                                   replaces the key), superseded or cessationOfOperation
          --import-certbot <path>  make certbot's lineages (its config dir, e.g. /etc/letsencrypt, or
                                   one renewal/NAME.conf) domains of the profile: names, server,
                                   webroot (http01-webroot), deploy hook; copies each live
                                   certificate and key, which runs then use until their renewal
                                   time (a key that is not P-384 is replaced then); contacts nobody
          -h, --help               show this help
          --version                print the version

        exit status:
          {{ShamanExitCodes.Success,-4}} every certificate is current or was issued
          {{ShamanExitCodes.Failure,-4}} at least one domain failed or is backing off (see the ERROR/WARNING lines);
               --status: something needs attention
          {{ShamanExitCodes.Usage,-4}} usage or configuration error; nothing was changed; --status: a profile
               cannot be read
          {{ShamanExitCodes.Locked,-4}} another shaman is working on this profile; nothing was done (a lock held by
               another user, or for longer than a run takes, exits 1)
          {{ShamanExitCodes.Interrupted,-4}} interrupted (SIGINT/SIGTERM); the state so far is saved

        example shaman.json (README.md lists every field):
          {
              "server": "https://acme-v02.api.letsencrypt.org/directory",
              "renewal": 30,
              "authenticators": { "http-01": "/usr/local/bin/prove-challenge" },
              "domains": { "example.com": { "altNames": ["www.example.com"] } }
          }
        "authenticators" names one program per challenge type: http-01, dns-01, tls-alpn-01 or
        dns-account-01; dns-persist-01 needs none ("persist": {} with a standing DNS record).
        """;

    /// <summary>Parses the arguments; null and a message on a usage error.</summary>
    public static (ShamanOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var options = new ShamanOptions();
        var directories = new List<string>();
        var operandsOnly = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--" when !operandsOnly: operandsOnly = true; break;
                case "-q" or "--quiet" when !operandsOnly: options = options with { Quiet = true }; break;
                case "-h" or "--help" when !operandsOnly: options = options with { Help = true }; break;
                case "--version" when !operandsOnly: options = options with { Version = true }; break;
                case "--force" when !operandsOnly: options = options with { Force = true }; break;
                case "--status" when !operandsOnly: options = options with { Status = true }; break;
                case "--json" when !operandsOnly: options = options with { Json = true }; break;
                case "--dry-run" when !operandsOnly: options = options with { DryRun = true }; break;
                case "--random-sleep" when !operandsOnly:
                    if (++i >= args.Count || !double.TryParse(args[i], System.Globalization.NumberStyles.Float,
                            System.Globalization.CultureInfo.InvariantCulture, out var seconds) || !(seconds >= 0 && seconds <= 86400))
                        return (null, "--random-sleep needs a number of seconds (0 to 86400)");
                    options = options with { RandomSleep = TimeSpan.FromSeconds(seconds) };
                    break;
                case "--renew" or "--new-key" when !operandsOnly: options = options with { Verbs = options.Verbs.With(arg, null) }; break;
                case "--import-certbot" when !operandsOnly:
                    if (++i >= args.Count || args[i].Length == 0) return (null, "--import-certbot needs a certbot config directory or renewal .conf file");
                    if (options.ImportCertbot is not null) return (null, "--import-certbot is given once");
                    options = options with { ImportCertbot = args[i] };
                    break;
                case "--domain" or "--revoke" or "--reason" when !operandsOnly:
                    if (++i >= args.Count) return (null, $"{arg} needs a value");
                    if (options.Verbs.Problem(arg, args[i]) is { } problem) return (null, problem);
                    options = options with { Verbs = options.Verbs.With(arg, args[i]) };
                    break;
                case var flag when !operandsOnly && flag.StartsWith('-') && flag.Length > 1:
                    return (null, $"unknown option {flag}");
                default:
                    // After "--" everything is a directory, even a name starting with '-'.
                    directories.Add(arg);
                    break;
            }
        }
        if (options.Json && !options.Status) return (null, "--json goes with --status");
        if (options.Status && options.DryRun) return (null, "--status and --dry-run are alternatives; use one");
        if (directories.Count > 1 && !options.Status)
            return (null, $"only one profile directory (several go with --status), got \"{directories[0]}\" and \"{directories[1]}\"");
        if (options.Verbs.Problem(options.Status || options.DryRun) is { } verbs) return (null, verbs);
        if (options.ImportCertbot is not null && (options.Status || options.DryRun || options.Force || options.RandomSleep is not null || options.Verbs != ShamanVerbs.None))
            return (null, "--import-certbot goes alone (with -q at most); run shaman after it");
        return (options with { ProfileDirectory = directories.FirstOrDefault() ?? ".", MoreProfileDirectories = directories.Count > 1 ? [.. directories.Skip(1)] : [] }, null);
    }
}
