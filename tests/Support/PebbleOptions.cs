namespace Concorde.Tests.Support;

/// <summary>
/// How to start a <see cref="PebbleServer"/>. All defaults give a fast, deterministic Pebble:
/// <c>PEBBLE_VA_NOSLEEP=1</c> (no random validation delays) and <c>PEBBLE_WFE_NONCEREJECT=0</c>
/// (no artificial badNonce errors). Entries in <see cref="EnvironmentVariables"/> override those defaults,
/// e.g. <c>["PEBBLE_WFE_NONCEREJECT"] = "100"</c> for a test that exercises badNonce retries.
/// </summary>
public sealed record PebbleOptions
{
    /// <summary>Environment variables Pebble gets unless <see cref="EnvironmentVariables"/> overrides them.</summary>
    public static IReadOnlyDictionary<string, string> DefaultEnvironmentVariables { get; } =
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PEBBLE_VA_NOSLEEP"] = "1",
            ["PEBBLE_WFE_NONCEREJECT"] = "0",
            // Pebble 2.4 can deadlock in its authorization-reuse lookup when new orders arrive while other
            // requests hold an authorization (seen with eight parallel domains: every handler blocked in
            // MemoryStore.FindValidAuthorization / GetAccountByID). Tests that want reuse ask for it.
            ["PEBBLE_AUTHZREUSE"] = "0",
        };

    /// <summary>The EAB key pairs from Pebble's example config (kid → base64url HMAC key).</summary>
    public static IReadOnlyDictionary<string, string> DefaultExternalAccountMacKeys { get; } =
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["kid-1"] = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W",
            ["kid-2"] = "b10lLJs8l1GPIzsLP0s6pMt8O0XVGnfTaCeROxQM0BIt2XrJMDHJZBM5NuQmQJQH",
        };

    /// <summary>Options with every default.</summary>
    public static PebbleOptions Default { get; } = new();

    /// <summary>
    /// Extra environment variables for the pebble process (PEBBLE_WFE_NONCEREJECT, PEBBLE_AUTHZREUSE,
    /// PEBBLE_ALTERNATE_ROOTS, PEBBLE_CHAIN_LENGTH, PEBBLE_VA_ALWAYS_VALID, PEBBLE_WFE_ORDERS_PER_PAGE, ...).
    /// Overrides <see cref="DefaultEnvironmentVariables"/>. PEBBLE_* variables of the test process itself are
    /// never inherited.
    /// </summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables { get; init; } =
        new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Sets <c>externalAccountBindingRequired</c> in the Pebble config.</summary>
    public bool RequireExternalAccountBinding { get; init; }

    /// <summary>
    /// <c>externalAccountMACKeys</c> (kid → base64url key). Always written to the config, so EAB is accepted
    /// (and verified) even when <see cref="RequireExternalAccountBinding"/> is false.
    /// </summary>
    public IReadOnlyDictionary<string, string> ExternalAccountMacKeys { get; init; } = DefaultExternalAccountMacKeys;

    /// <summary>Runs pebble with <c>-strict</c>.</summary>
    public bool Strict { get; init; }

    /// <summary>
    /// When true (default) pebble-challtestsrv answers HTTP-01 requests on <see cref="PebbleServer.Http01Port"/>.
    /// Set false when the code under test serves HTTP-01 itself on that port (the port is still reserved and
    /// is where Pebble's validator connects).
    /// </summary>
    public bool ChallengeServerHandlesHttp01 { get; init; } = true;

    /// <summary>Same as <see cref="ChallengeServerHandlesHttp01"/>, for TLS-ALPN-01 on <see cref="PebbleServer.TlsAlpn01Port"/>.</summary>
    public bool ChallengeServerHandlesTlsAlpn01 { get; init; } = true;

    /// <summary>
    /// The DNS server Pebble's validator queries (<c>pebble -dnsserver</c>), as <c>127.0.0.1:port</c> — e.g. a real
    /// BIND started by a test, so dns-01 is validated against real DNS. Null (default): challtestsrv's mock DNS on
    /// <see cref="PebbleServer.DnsPort"/>, which answers every A query with 127.0.0.1 and serves the TXT records
    /// added with <see cref="PebbleServer.AddTxtAsync"/>. With another server, http-01 and tls-alpn-01 names must
    /// resolve there too.
    /// </summary>
    public string? DnsServer { get; init; }

    /// <summary>How long one start attempt may take before <see cref="PebbleServer.StartAsync(PebbleOptions, CancellationToken)"/> gives up.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The environment pebble actually gets: defaults overlaid with <see cref="EnvironmentVariables"/>.</summary>
    public IReadOnlyDictionary<string, string> GetEffectiveEnvironment()
    {
        var result = new Dictionary<string, string>(DefaultEnvironmentVariables, StringComparer.Ordinal);
        foreach (var (name, value) in EnvironmentVariables)
        {
            result[name] = value;
        }

        return result;
    }
}
