using System.Text.Json;
using System.Text.Json.Nodes;
using Concorde.Acme.Crypto;
using Concorde.Acme.Http;
using Concorde.Acme.Wire;

using static Concorde.Shaman.JsonFields;

namespace Concorde.Shaman;

/// <summary>The validated, read-only part of shaman.json. State (keys, ids) stays in <see cref="ProfileDocument"/>.</summary>
public sealed record ProfileSettings
{
    public const string FileName = "shaman.json";
    public const int DefaultLogThreshold = 20;
    public static readonly TimeSpan DefaultAuthenticatorTimeout = TimeSpan.FromSeconds(300);
    /// <summary>Long enough for a slow legitimate issuance (authenticators up to their own timeout each, DNS
    /// propagation, the CA's validation and "processing" polls of up to three minutes each), short enough that a CA
    /// which keeps a domain going ends well before the next daily run.</summary>
    public static readonly TimeSpan DefaultDomainTimeout = TimeSpan.FromHours(1);
    /// <summary>Bounds of "domainTimeout": at most a day, so a run never overlaps the next daily one for ever.</summary>
    public const double MinDomainTimeoutSeconds = 1, MaxDomainTimeoutSeconds = 86400;
    /// <summary>A large profile against a CA that stalls every domain until its "domainTimeout" would hold the lock for
    /// hours; four hours is far more than a few hundred healthy issuances take, and ends long before the next run.</summary>
    public static readonly TimeSpan DefaultRunTimeout = TimeSpan.FromHours(4);

    public required Uri Server { get; init; }
    /// <summary>Renew when fewer than this many days remain; null → a fraction of the lifetime.</summary>
    public double? RenewalDays { get; init; }
    public required IReadOnlyDictionary<string, string> Authenticators { get; init; }
    public required IReadOnlyList<DomainSettings> Domains { get; init; }
    public int LogThreshold { get; init; } = DefaultLogThreshold;
    public string? CaBundle { get; init; }
    public IReadOnlyList<string> Contact { get; init; } = [];
    public TimeSpan AuthenticatorTimeout { get; init; } = DefaultAuthenticatorTimeout;
    /// <summary>How long one domain's work may take in a run (<see cref="DomainDeadline"/>); a domain may set its own.</summary>
    public TimeSpan DomainTimeout { get; init; } = DefaultDomainTimeout;
    /// <summary>After this long no further domain is started in a run (<see cref="RunDeadline"/>).</summary>
    public TimeSpan RunTimeout { get; init; } = DefaultRunTimeout;
    /// <summary>Programs run after a challenge finished, valid or not (challenge type → program).</summary>
    public IReadOnlyDictionary<string, string> Cleanup { get; init; } = new Dictionary<string, string>();
    /// <summary>Run after a domain's certificate file changed.</summary>
    public string? Deploy { get; init; }
    /// <summary>Run at the end of a run when failures began or ended, and daily while they last (<see cref="NotifyDecision"/>).</summary>
    public string? Notify { get; init; }
    /// <summary>The ACME profile to ask for (the directory's meta.profiles names them).</summary>
    public string? Profile { get; init; }
    /// <summary>Common name of the top issuer to prefer among the offered chains.</summary>
    public string? PreferredChain { get; init; }
    public ExternalAccountBindingSettings? ExternalAccountBinding { get; init; }
    /// <summary>How many domains are worked on at once.</summary>
    public int Parallel { get; init; } = DefaultParallel;
    /// <summary>Where every run writes its Prometheus metrics (relative to the profile directory).</summary>
    public string? Metrics { get; init; }
    /// <summary>TLS endpoints that should serve each domain's certificate after a deploy; a domain's own list replaces it.</summary>
    public IReadOnlyList<VerifyEndpoint> Verify { get; init; } = [];
    /// <summary>dns-persist-01 for every domain without its own `persist`.</summary>
    public DnsPersistSetting? Persist { get; init; }
    /// <summary>Variables for every program shaman runs (notify gets only these); a domain's own entries win for it.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public const int DefaultParallel = 4;

    /// <summary>Every top-level field shaman reads: the settings above, the Python tool's included, and the state it
    /// records (`key`, `account_id`, `account_server`). Any other field is kept but warned about (<see cref="ProfileWarnings"/>).</summary>
    public static readonly IReadOnlyList<string> Fields =
    [
        "server", "renewal", "authenticators", "domains", "contact", "caBundle", "authenticatorTimeout", "logThreshold",
        "eab", "profile", "preferredChain", "deploy", "cleanup", "parallel", "notify", "metrics", "verify", "domainTimeout", "runTimeout",
        "persist", "environment", .. ProfileState.Fields,
    ];

    /// <summary>Validates everything before any work starts, so a typo changes nothing.</summary>
    public static ProfileSettings Parse(JsonObject root)
    {
        var domains = root["domains"] switch
        {
            null => throw Error("has no \"domains\"; add e.g. \"domains\": { \"example.com\": {} }"),
            JsonObject obj when obj.Count == 0 => throw Error("\"domains\" is empty; add at least one name, e.g. \"example.com\": {}"),
            JsonObject obj => obj,
            var other => throw Error($"\"domains\" must be an object of name → settings, found {Kind(other)}"),
        };
        ProfileState.Validate(root);
        var settings = new ProfileSettings
        {
            Server = ParseServer(root["server"]),
            RenewalDays = OptionalNumber(root, "renewal", "days", min: 0),
            Authenticators = StringMap(root["authenticators"], "\"authenticators\""),
            Domains = ParseDomains(domains),
            LogThreshold = (int)(OptionalWholeNumber(root, "logThreshold", "a Python logging level (10 debug … 50 critical)", 0, 50) ?? DefaultLogThreshold),
            CaBundle = OptionalString(root, "caBundle"),
            Contact = StringList(root["contact"], "\"contact\"").Select(c => c.Contains(':') ? c : "mailto:" + c).ToList(),
            AuthenticatorTimeout = TimeSpan.FromSeconds(OptionalNumber(root, "authenticatorTimeout", "seconds", 1, 86400)
                                                        ?? DefaultAuthenticatorTimeout.TotalSeconds),
            DomainTimeout = ParseDomainTimeout(root) ?? DefaultDomainTimeout,
            RunTimeout = TimeSpan.FromSeconds(OptionalNumber(root, "runTimeout", "seconds", MinDomainTimeoutSeconds, MaxDomainTimeoutSeconds)
                                              ?? DefaultRunTimeout.TotalSeconds),
            Cleanup = StringMap(root["cleanup"], "\"cleanup\""),
            Deploy = OptionalString(root, "deploy"),
            Notify = OptionalString(root, "notify"),
            Profile = OptionalString(root, "profile"),
            PreferredChain = OptionalString(root, "preferredChain"),
            ExternalAccountBinding = ExternalAccountBindingSettings.Parse(root["eab"]),
            Parallel = (int)(OptionalWholeNumber(root, "parallel", "domains at once", 1, 64) ?? DefaultParallel),
            Metrics = OptionalString(root, "metrics"),
            Verify = VerifyEndpoint.ParseList(root, "") ?? [],
            Persist = DnsPersistSetting.Parse(root, ""),
            Environment = EnvironmentMap(root),
        };
        return settings with { Domains = settings.Domains.Select(d => d with { Effective = EffectiveSettings.Merge(d, settings) }).ToList() };
    }

    /// <summary>Every name may appear in one domain only: two certificates for one name would fight over
    /// nothing, but a name listed twice is almost always a typo.</summary>
    private static IReadOnlyList<DomainSettings> ParseDomains(JsonObject domains)
    {
        var parsed = domains.Select(pair => DomainSettings.Parse(pair.Key, pair.Value)).ToList();
        var owner = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var domain in parsed)
            foreach (var identifier in domain.Identifiers)
                if (!owner.TryAdd(identifier.Value, domain.Name) && owner[identifier.Value] != domain.Name)
                    throw Error($"\"{identifier.Value}\" is listed in both domain \"{owner[identifier.Value]}\" and domain \"{domain.Name}\"");
        return parsed;
    }

    private static Uri ParseServer(JsonNode? node)
    {
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
            throw Error("needs \"server\": the ACME directory URL, e.g. \"https://acme-v02.api.letsencrypt.org/directory\"");
        var text = value.GetValue<string>();
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
            throw Error($"\"server\" is not an http(s) URL: \"{text}\"");
        if (!LoopbackHttp.IsAllowed(url))
            throw Error($"\"server\" must use https (plain http is accepted only for loopback test servers): \"{text}\"");
        return url;
    }

    /// <summary>"domainTimeout", at the top level or in a domain (<paramref name="where"/>).</summary>
    internal static TimeSpan? ParseDomainTimeout(JsonObject obj, string where = "") =>
        OptionalNumber(obj, "domainTimeout", "seconds", MinDomainTimeoutSeconds, MaxDomainTimeoutSeconds, where) is { } seconds
            ? TimeSpan.FromSeconds(seconds)
            : null;

    private static double? OptionalWholeNumber(JsonObject obj, string field, string unit, double min, double max)
    {
        var number = OptionalNumber(obj, field, unit, min, max);
        if (number is { } value && value != Math.Floor(value))
            throw Error($"\"{field}\" must be a whole number ({unit}), found {value}");
        return number;
    }

}

/// <summary>One entry of "domains": the certificate's primary name (also its file name), the other names
/// on the same certificate, and settings that override the profile's.</summary>
public sealed record DomainSettings
{
    public required string Name { get; init; }
    /// <summary>The primary name first, then altNames, without duplicates: the order's identifiers.</summary>
    public required IReadOnlyList<Identifier> Identifiers { get; init; }
    public required IReadOnlyDictionary<string, string> Authenticators { get; init; }
    public IReadOnlyDictionary<string, string> Cleanup { get; init; } = new Dictionary<string, string>();
    public string? Deploy { get; init; }
    public string? Profile { get; init; }
    public string? PreferredChain { get; init; }
    /// <summary>Replaces the profile's `verify` when present; an empty list checks nothing.</summary>
    public IReadOnlyList<VerifyEndpoint>? Verify { get; init; }
    /// <summary>Replaces the profile's `persist` when present.</summary>
    public DnsPersistSetting? Persist { get; init; }

    /// <summary>Replaces the profile's `domainTimeout` when present.</summary>
    public TimeSpan? DomainTimeout { get; init; }
    /// <summary>Added to the profile's `environment`, over its entries of the same name.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The settings a domain may have; its state fields are <see cref="DomainState.Fields"/>.</summary>
    public static readonly IReadOnlyList<string> Fields =
        ["altNames", "authenticators", "cleanup", "deploy", "profile", "preferredChain", "verify", "domainTimeout", "persist", "environment"];

    public static DomainSettings Parse(string name, JsonNode? node)
    {
        if ((DomainName.Problem(name) ?? DomainName.FileNameProblem(name)) is { } problem)
            throw JsonFields.Error($"domain \"{Escape(name)}\" {problem}");
        if (node is not JsonObject obj)
            throw JsonFields.Error($"domain \"{name}\" must map to an object (e.g. {{}}), found {JsonFields.Kind(node)}");
        var where = $"domain \"{name}\": ";
        DomainState.Validate(obj, where);
        var names = new List<string> { name };
        foreach (var altName in JsonFields.StringList(obj["altNames"], $"{where}\"altNames\""))
        {
            if (DomainName.Problem(altName) is { } altProblem)
                throw JsonFields.Error($"{where}\"altNames\": \"{Escape(altName)}\" {altProblem}");
            if (!names.Contains(altName, StringComparer.OrdinalIgnoreCase)) names.Add(altName);
        }
        return new DomainSettings
        {
            Name = name,
            Identifiers = names.Select(Identifier.ForName).ToList(),
            Authenticators = JsonFields.StringMap(obj["authenticators"], $"{where}\"authenticators\""),
            Cleanup = JsonFields.StringMap(obj["cleanup"], $"{where}\"cleanup\""),
            Deploy = JsonFields.OptionalString(obj, "deploy", where),
            Profile = JsonFields.OptionalString(obj, "profile", where),
            PreferredChain = JsonFields.OptionalString(obj, "preferredChain", where),
            Verify = VerifyEndpoint.ParseList(obj, where),
            DomainTimeout = ProfileSettings.ParseDomainTimeout(obj, where),
            Persist = DnsPersistSetting.Parse(obj, where),
            Environment = JsonFields.EnvironmentMap(obj, where),
        };
    }

    /// <summary>What applies to this domain, its own settings over the profile's (set by <see cref="ProfileSettings.Parse"/>).</summary>
    public EffectiveSettings Effective { get; init; } = EffectiveSettings.None;

    public string KeyFileName => $"{Name}.key.priv.pem";
    public string CertificateFileName => $"{Name}.cert.pub.pem";

    private static string Escape(string name) => string.Concat(name.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}

/// <summary>`"eab": {"kid": "...", "hmacKey": "...", "alg": "HS256"}`: the external account binding a CA hands out
/// (RFC 8555 §7.3.4), used once, when the account is created.</summary>
public sealed record ExternalAccountBindingSettings(string KeyId, string HmacKey, EabMacAlgorithm Algorithm = EabMacAlgorithm.HS256)
{
    public static ExternalAccountBindingSettings? Parse(JsonNode? node)
    {
        if (node is null) return null;
        if (node is not JsonObject obj)
            throw JsonFields.Error($"\"eab\" must be an object {{\"kid\": \"...\", \"hmacKey\": \"...\"}}, found {JsonFields.Kind(node)}");
        var kid = JsonFields.OptionalString(obj, "kid", "\"eab\": ") ?? throw JsonFields.Error("\"eab\" needs \"kid\", the key identifier from the CA");
        var hmacKey = JsonFields.OptionalString(obj, "hmacKey", "\"eab\": ") ?? throw JsonFields.Error("\"eab\" needs \"hmacKey\", the MAC key from the CA");
        var algName = JsonFields.OptionalString(obj, "alg", "\"eab\": ") ?? "HS256";
        var algorithm = EabMacAlgorithms.Parse(algName)
            ?? throw JsonFields.Error($"\"eab\": \"alg\" must be HS256, HS384 or HS512 (the MAC algorithm the CA names), found \"{algName}\"");
        try
        {
            Concorde.Acme.Crypto.ExternalAccountBinding.FromBase64Url(kid, hmacKey);
        }
        catch (FormatException)
        {
            // The key itself is a secret: the message says what is wrong, never what it is.
            throw JsonFields.Error("\"eab\": \"hmacKey\" is not base64url; copy it exactly as the CA shows it");
        }
        return new ExternalAccountBindingSettings(kid, hmacKey, algorithm);
    }

    public Concorde.Acme.Crypto.ExternalAccountBinding ToBinding() =>
        Concorde.Acme.Crypto.ExternalAccountBinding.FromBase64Url(KeyId, HmacKey, Algorithm);

    public override string ToString() => $"ExternalAccountBindingSettings {{ KeyId = {KeyId}, Algorithm = {Algorithm.JwsName()} }}";
}
