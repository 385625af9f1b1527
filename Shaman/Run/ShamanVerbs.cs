namespace Concorde.Shaman;

/// <summary>What the administrator asks of named domains on the command line: renew now (--renew, --domain, --new-key)
/// or revoke and replace (--revoke, --reason). Parsed with <see cref="ShamanOptions.Parse"/>.</summary>
public sealed record ShamanVerbs
{
    public static ShamanVerbs None { get; } = new();

    /// <summary>RFC 5280 §5.3.1 CRLReason codes a subscriber has cause to give for its own certificate.</summary>
    private static readonly Dictionary<string, int> Reasons = new(StringComparer.Ordinal)
    {
        ["unspecified"] = 0,
        ["keyCompromise"] = 1,
        ["superseded"] = 4,
        ["cessationOfOperation"] = 5,
    };

    public bool Renew { get; init; }
    /// <summary>The domains --renew names; all of the profile's when empty.</summary>
    public IReadOnlyList<string> Domains { get; init; } = [];
    public bool NewKey { get; init; }
    public string? Revoke { get; init; }
    public string? Reason { get; init; }

    public ShamanVerbs With(string option, string? value) => option switch
    {
        "--renew" => this with { Renew = true },
        "--new-key" => this with { NewKey = true },
        "--domain" => this with { Domains = [.. Domains, value!] },
        "--revoke" => this with { Revoke = value },
        _ => this with { Reason = value },
    };

    /// <summary>A value the option cannot take, or a second value where one is taken; null when it is fine.</summary>
    public string? Problem(string option, string value) =>
        option == "--reason" && !Reasons.ContainsKey(value) ? $"--reason must be one of {string.Join(", ", Reasons.Keys)}; got \"{value}\""
        : value.Length == 0 ? $"{option} needs a value"
        : (option == "--revoke" && Revoke is not null) || (option == "--reason" && Reason is not null) ? $"{option} is given once (one domain per --revoke run)"
        : null;

    /// <summary>Options that do not go together; null when they do.</summary>
    /// <param name="readOnly">--status or --dry-run, which change nothing and contact nobody.</param>
    public string? Problem(bool readOnly) =>
        Renew && Revoke is not null ? "--renew and --revoke are alternatives; use one"
        : (Renew || Revoke is not null) && readOnly ? "--renew and --revoke change things; --status and --dry-run do not go with them"
        : !Renew && (Domains.Count > 0 || NewKey) ? "--domain and --new-key go with --renew"
        : Revoke is null && Reason is not null ? "--reason goes with --revoke"
        : null;

    /// <summary>Every domain named on the command line; each must be in the profile.</summary>
    public IEnumerable<string> Named => Revoke is { } revoked ? [revoked] : Domains;

    /// <summary>A usage error (exit 2, nothing changed) for a name the profile does not have, or a certificate to revoke
    /// that shaman.json does not record.</summary>
    public void Check(ProfileSettings settings, ProfileDocument document)
    {
        var known = settings.Domains.Select(domain => domain.Name).ToHashSet(StringComparer.Ordinal);
        if (Named.FirstOrDefault(name => !known.Contains(name)) is { } unknown)
            throw new ProfileException($"{unknown}: no such domain in {document.FilePath}; nothing done");
        if (Revoke is { } revoked && new DomainState(document, revoked).CertificateId is null)
            throw new ProfileException($"{revoked}: {ProfileSettings.FileName} records no certificate to revoke; nothing done");
    }

    /// <summary>Every domain the run works on is asked for (--renew without --domain, or --revoke), so the profile's
    /// run-level backoff holds nothing back.</summary>
    public bool AsksForEveryDomain => (Renew && Domains.Count == 0) || Revoke is not null;

    /// <summary>Whether the run works on the domain at all: a --revoke run leaves the other domains alone, so that
    /// an urgent revocation is not held up by (or blamed for) their work.</summary>
    public bool Runs(string domain) => Revoke is null || Revoke == domain;

    /// <summary>What is asked of one domain; null when nothing is (it runs as usual).</summary>
    public DomainRequest? For(string domain) =>
        Revoke == domain ? new DomainRequest(NewKey: Reason == "keyCompromise", Revocation: Reasons.GetValueOrDefault(Reason ?? "unspecified"))
        : Renew && (Domains.Count == 0 || Domains.Contains(domain)) ? new DomainRequest(NewKey, Revocation: null)
        : null;
}

/// <summary>An administrator's request for one domain, carried out before its steps; the steps then order a new
/// certificate at once, whatever the schedule or the backoff.</summary>
/// <param name="NewKey">Replace the domain key first; the old file is kept beside it.</param>
/// <param name="Revocation">Revoke the current certificate first, with this RFC 5280 reason code (0 is sent as no
/// reason: RFC 8555 §7.6 "If this field is not set, the server SHOULD use the unspecified (0) reasonCode value").</param>
public sealed record DomainRequest(bool NewKey, int? Revocation);
