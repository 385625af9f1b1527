namespace Concorde.Shaman;

/// <summary>Parsed `shaman` command line.</summary>
public sealed record ShamanOptions
{
    public string ProfileDirectory { get; init; } = ".";
    public bool Quiet { get; init; }
    public bool Help { get; init; }
    public bool Version { get; init; }
    /// <summary>Where syslog datagrams go; tests point it at their own socket.</summary>
    public string SyslogSocket { get; init; } = SyslogSender.DefaultSocketPath;

    public const string Usage = """
        usage: shaman [--quiet] [<profile dir>]
               concorde shaman [--quiet] [<profile dir>]

        Keeps the certificates of one profile issued and renewed. Reads and updates
        <profile dir>/shaman.json (default: the current directory): creates the keys and the
        ACME account, orders certificates, runs the authenticators, writes
        <name>.cert.pub.pem, and renews when a certificate is within `renewal` days of expiry.
        Safe to run as often as you like (cron: twice a day); a run with nothing to do
        contacts no server.

        options:
          -q, --quiet    print only warnings and errors (for cron mail)
          -h, --help     show this help
          --version      print the version

        exit status:
          0    every certificate is current or was issued
          1    at least one domain failed (see the ERROR lines)
          2    usage or configuration error; nothing was changed
          75   another shaman is working on this profile; nothing was done
          130  interrupted (SIGINT/SIGTERM); the state so far is saved

        example shaman.json:
          {
              "server": "https://acme-v02.api.letsencrypt.org/directory",
              "renewal": 30,
              "authenticators": { "http-01": "/usr/local/bin/prove-challenge" },
              "domains": { "example.com": {} }
          }
        """;

    /// <summary>Parses the arguments; null and a message on a usage error.</summary>
    public static (ShamanOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var options = new ShamanOptions();
        string? directory = null;
        var operandsOnly = false;
        foreach (var arg in args)
        {
            switch (arg)
            {
                case "--" when !operandsOnly: operandsOnly = true; break;
                case "-q" or "--quiet" when !operandsOnly: options = options with { Quiet = true }; break;
                case "-h" or "--help" when !operandsOnly: options = options with { Help = true }; break;
                case "--version" when !operandsOnly: options = options with { Version = true }; break;
                case var flag when !operandsOnly && flag.StartsWith('-') && flag.Length > 1:
                    return (null, $"unknown option {flag}");
                default:
                    // After "--" everything is the directory, even a name starting with '-'.
                    if (directory is not null) return (null, $"only one profile directory, got \"{directory}\" and \"{arg}\"");
                    directory = arg;
                    break;
            }
        }
        return (options with { ProfileDirectory = directory ?? "." }, null);
    }
}
