namespace Concorde.Shaman;

/// <summary>What shaman takes from one certbot lineage's renewal configuration (`renewal/NAME.conf`, ConfigObj's INI
/// dialect): the files, the CA, how names were proved and the deploy hook. The only reader of that format.</summary>
/// <param name="Name">The lineage name (the file name without ".conf"), as in `live/NAME/`.</param>
/// <param name="Fullchain">`fullchain`: the certificate and its chain; null when not given.</param>
/// <param name="PrivateKey">`privkey`; null when not given.</param>
/// <param name="Server">`server` in [renewalparams]: the CA's directory URL.</param>
/// <param name="Authenticator">`authenticator` in [renewalparams]: webroot, standalone, nginx, a dns plugin...</param>
/// <param name="WebrootPaths">`webroot_path`, a list ("/var/www/html," is a list of one).</param>
/// <param name="WebrootMap">[[webroot_map]]: each name's document root.</param>
/// <param name="DeployHook">`renew_hook` in [renewalparams], where certbot keeps its --deploy-hook: a shell command.</param>
public sealed record CertbotRenewalConf(
    string Name,
    string? Fullchain,
    string? PrivateKey,
    string? Server,
    string? Authenticator,
    IReadOnlyList<string> WebrootPaths,
    IReadOnlyDictionary<string, string> WebrootMap,
    string? DeployHook)
{
    public static CertbotRenewalConf Parse(string name, string text)
    {
        var top = new Dictionary<string, string>(StringComparer.Ordinal);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var webrootMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var section = top;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith('['))
            {
                section = line.Trim('[', ']', ' ') switch
                {
                    "renewalparams" => parameters,
                    "webroot_map" => webrootMap,
                    // Sections shaman has no use for (certbot's plugins add their own) are read past.
                    _ => new Dictionary<string, string>(StringComparer.Ordinal),
                };
                continue;
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0) continue;
            section[line[..equals].Trim()] = Unquote(line[(equals + 1)..].Trim());
        }
        var webrootPaths = parameters.GetValueOrDefault("webroot_path") is { } paths
            ? paths.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Unquote).ToList()
            : [];
        return new CertbotRenewalConf(name, top.GetValueOrDefault("fullchain"), top.GetValueOrDefault("privkey"),
            parameters.GetValueOrDefault("server"), parameters.GetValueOrDefault("authenticator"), webrootPaths, webrootMap,
            parameters.GetValueOrDefault("renew_hook") is { Length: > 0 } hook ? hook : null);
    }

    /// <summary>ConfigObj writes a value in quotes when it holds a comma or a quote.</summary>
    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] is '"' or '\'') && value[^1] == value[0] ? value[1..^1] : value;
}
