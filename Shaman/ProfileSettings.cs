using System.Text.Json;
using System.Text.Json.Nodes;
using Concorde.Acme.Crypto;
using Concorde.Acme.Http;
using Concorde.Acme.Wire;

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

    public const int DefaultParallel = 4;

    /// <summary>Every top-level field shaman reads: the settings above, the Python tool's included, and the state it
    /// records (`key`, `account_id`, `account_server`). Any other field is kept but warned about (<see cref="ProfileWarnings"/>).</summary>
    public static readonly IReadOnlyList<string> Fields =
    [
        "server", "renewal", "authenticators", "domains", "contact", "caBundle", "authenticatorTimeout", "logThreshold",
        "eab", "profile", "preferredChain", "deploy", "cleanup", "parallel", "notify", "metrics", "verify", "domainTimeout", "runTimeout",
        "persist", .. ProfileState.Fields,
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
        return new ProfileSettings
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
        };
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

    internal static double? OptionalNumber(JsonObject obj, string field, string unit, double min, double max = double.MaxValue, string where = "")
    {
        var node = obj[field];
        if (node is null) return null;
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
            throw Error($"{where}\"{field}\" must be a number ({unit}), found {Kind(node)}");
        var number = value.GetValue<double>();
        if (number < min || number > max)
            throw Error(max == double.MaxValue
                ? $"{where}\"{field}\" must be at least {min} ({unit}), found {number}"
                : $"{where}\"{field}\" must be between {min} and {max} ({unit}), found {number}");
        return number;
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

    internal static string? OptionalString(JsonObject obj, string field, string where = "")
    {
        var node = obj[field];
        if (node is null) return null;
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String || value.GetValue<string>().Length == 0)
            throw Error($"{where}\"{field}\" must be a non-empty string, found {Kind(node)}");
        var text = value.GetValue<string>();
        // Names of files and programs: a NUL would cut them short where the system reads them.
        if (text.Contains('\0')) throw Error($"{where}\"{field}\" contains a NUL character");
        return text;
    }

    /// <summary>A recorded id (account, order, certificate): the URL the CA gave.</summary>
    internal static void OptionalUrl(JsonObject obj, string field, string where = "")
    {
        if (OptionalString(obj, field, where) is { } text && !Uri.TryCreate(text, UriKind.Absolute, out _))
            throw Error($"{where}\"{field}\" must be the URL the CA gave, found \"{text}\"; remove the field to start afresh");
    }

    internal static IReadOnlyDictionary<string, string> StringMap(JsonNode? node, string where)
    {
        if (node is null) return new Dictionary<string, string>();
        if (node is not JsonObject obj) throw Error($"{where} must be an object of challenge type → program, found {Kind(node)}");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, child) in obj)
        {
            if (child is not JsonValue value || value.GetValueKind() != JsonValueKind.String || value.GetValue<string>().Length == 0)
                throw Error($"{where}: \"{key}\" must name a program, found {Kind(child)}");
            if (value.GetValue<string>().Contains('\0')) throw Error($"{where}: \"{key}\" contains a NUL character");
            map[key] = value.GetValue<string>();
        }
        return map;
    }

    internal static IReadOnlyList<string> StringList(JsonNode? node, string where)
    {
        if (node is null) return [];
        if (node is JsonValue single && single.GetValueKind() == JsonValueKind.String) return [single.GetValue<string>()];
        if (node is not JsonArray array) throw Error($"{where} must be a list of strings, found {Kind(node)}");
        return array.Select(item => item is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw Error($"{where} must contain only strings, found {Kind(item)}")).ToList();
    }

    internal static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "a list",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => $"the string \"{v.GetValue<string>()}\"",
            JsonValueKind.Number => $"the number {v.ToJsonString()}",
            JsonValueKind.True or JsonValueKind.False => $"the value {v.ToJsonString()}",
            _ => "null",
        },
        _ => "something else",
    };

    internal static ProfileException Error(string message) => new($"{FileName}: {message}");
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

    /// <summary>The settings a domain may have; its state fields are <see cref="DomainState.Fields"/>.</summary>
    public static readonly IReadOnlyList<string> Fields =
        ["altNames", "authenticators", "cleanup", "deploy", "profile", "preferredChain", "verify", "domainTimeout", "persist"];

    public static DomainSettings Parse(string name, JsonNode? node)
    {
        if (DomainName.Problem(name) is { } problem)
            throw ProfileSettings.Error($"domain \"{Escape(name)}\" {problem}");
        if (node is not JsonObject obj)
            throw ProfileSettings.Error($"domain \"{name}\" must map to an object (e.g. {{}}), found {ProfileSettings.Kind(node)}");
        var where = $"domain \"{name}\": ";
        DomainState.Validate(obj, where);
        var names = new List<string> { name };
        foreach (var altName in ProfileSettings.StringList(obj["altNames"], $"{where}\"altNames\""))
        {
            if (DomainName.Problem(altName) is { } altProblem)
                throw ProfileSettings.Error($"{where}\"altNames\": \"{Escape(altName)}\" {altProblem}");
            if (!names.Contains(altName, StringComparer.OrdinalIgnoreCase)) names.Add(altName);
        }
        return new DomainSettings
        {
            Name = name,
            Identifiers = names.Select(Identifier.ForName).ToList(),
            Authenticators = ProfileSettings.StringMap(obj["authenticators"], $"{where}\"authenticators\""),
            Cleanup = ProfileSettings.StringMap(obj["cleanup"], $"{where}\"cleanup\""),
            Deploy = ProfileSettings.OptionalString(obj, "deploy", where),
            Profile = ProfileSettings.OptionalString(obj, "profile", where),
            PreferredChain = ProfileSettings.OptionalString(obj, "preferredChain", where),
            Verify = VerifyEndpoint.ParseList(obj, where),
            DomainTimeout = ProfileSettings.ParseDomainTimeout(obj, where),
            Persist = DnsPersistSetting.Parse(obj, where),
        };
    }

    /// <summary>The endpoints checked after this domain's certificate was deployed.</summary>
    public IReadOnlyList<VerifyEndpoint> VerifyEndpoints(ProfileSettings profile) => Verify ?? profile.Verify;

    /// <summary>How long this domain's work may take in a run.</summary>
    public TimeSpan Timeout(ProfileSettings profile) => DomainTimeout ?? profile.DomainTimeout;

    /// <summary>Whether (and until when) this domain is authorized by a standing dns-persist-01 record.</summary>
    public DnsPersistSetting? PersistSetting(ProfileSettings profile) => Persist ?? profile.Persist;

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
            throw ProfileSettings.Error($"\"eab\" must be an object {{\"kid\": \"...\", \"hmacKey\": \"...\"}}, found {ProfileSettings.Kind(node)}");
        var kid = ProfileSettings.OptionalString(obj, "kid", "\"eab\": ") ?? throw ProfileSettings.Error("\"eab\" needs \"kid\", the key identifier from the CA");
        var hmacKey = ProfileSettings.OptionalString(obj, "hmacKey", "\"eab\": ") ?? throw ProfileSettings.Error("\"eab\" needs \"hmacKey\", the MAC key from the CA");
        var algName = ProfileSettings.OptionalString(obj, "alg", "\"eab\": ") ?? "HS256";
        var algorithm = EabMacAlgorithms.Parse(algName)
            ?? throw ProfileSettings.Error($"\"eab\": \"alg\" must be HS256, HS384 or HS512 (the MAC algorithm the CA names), found \"{algName}\"");
        try
        {
            Concorde.Acme.Crypto.ExternalAccountBinding.FromBase64Url(kid, hmacKey);
        }
        catch (FormatException)
        {
            // The key itself is a secret: the message says what is wrong, never what it is.
            throw ProfileSettings.Error("\"eab\": \"hmacKey\" is not base64url; copy it exactly as the CA shows it");
        }
        return new ExternalAccountBindingSettings(kid, hmacKey, algorithm);
    }

    public Concorde.Acme.Crypto.ExternalAccountBinding ToBinding() =>
        Concorde.Acme.Crypto.ExternalAccountBinding.FromBase64Url(KeyId, HmacKey, Algorithm);

    public override string ToString() => $"ExternalAccountBindingSettings {{ KeyId = {KeyId}, Algorithm = {Algorithm.JwsName()} }}";
}
