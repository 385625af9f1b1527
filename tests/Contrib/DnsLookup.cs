namespace Concorde.Tests.Contrib;

/// <summary>What a DNS server on 127.0.0.1 answers, asked with <c>dig</c> (Debian package bind9-dnsutils) the way a
/// validating CA asks an authoritative server: no recursion.</summary>
internal static class DnsLookup
{
    /// <summary>The TXT strings at <paramref name="name"/> as the server on <paramref name="port"/> answers them
    /// (dig +short, quotes removed).</summary>
    public static async Task<IReadOnlyList<string>> TxtAsync(int port, string name, CancellationToken ct)
    {
        var dig = await ContribScript.RunAsync(ContribScript.Locate("dig", "bind9-dnsutils"), stdin: "",
            environment: new Dictionary<string, string>(), ct,
            "@127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "+short", "+norecurse", "+time=2", "+tries=2", "TXT", name);
        if (dig.ExitCode != 0) throw new InvalidOperationException($"dig failed:{Environment.NewLine}{dig}");
        return dig.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Trim().Trim('"')).ToList();
    }
}
