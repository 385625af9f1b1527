using System.Globalization;
using System.Net;
using Concorde.Acme.Crypto;
using Concorde.Acme.Files;
using Concorde.Acme.Http;
using Concorde.Acme.Wire;

namespace Concorde.Cli;

/// <summary>Turns operand and option text into values; a bad value is a usage error that says what was
/// expected.</summary>
internal static class OperandParser
{
    private const long MaxEabKeyFileBytes = 4096;

    /// <summary>RFC 5280 §5.3.1 CRLReason; 7 is unassigned.</summary>
    private static readonly Dictionary<string, int> RevocationReasons = new(StringComparer.OrdinalIgnoreCase)
    {
        ["unspecified"] = 0,
        ["keyCompromise"] = 1,
        ["cACompromise"] = 2,
        ["affiliationChanged"] = 3,
        ["superseded"] = 4,
        ["cessationOfOperation"] = 5,
        ["certificateHold"] = 6,
        ["removeFromCRL"] = 8,
        ["privilegeWithdrawn"] = 9,
        ["aACompromise"] = 10,
    };

    /// <summary>An absolute https URL; http only for a loopback host (a local test server). Requests carry
    /// signatures and certificates, so they never travel in clear text across a network.</summary>
    public static Uri Url(LeafArguments leaf, string text, string what)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http") || url.Host.Length == 0)
            throw leaf.Error($"{what} must be an absolute https:// URL; got '{text}'");
        if (!LoopbackHttp.IsAllowed(url))
            throw leaf.Error($"{what} must use https:// (http:// is allowed only for localhost); got '{text}'");
        return url;
    }

    public static Uri Server(LeafArguments leaf, string text) => Url(leaf, text, "<server> (the ACME directory URL)");

    /// <summary>`dns|example.com` or `ip|192.0.2.7` (RFC 8555 §9.7.7, RFC 8738).</summary>
    public static Identifier Identifier(LeafArguments leaf, string text)
    {
        var bar = text.IndexOf('|');
        if (bar < 0)
            throw leaf.Error($"'{text}' is not <type>|<value>; write e.g. 'dns|{text}' (quoted: | is special to the shell)");
        var (type, value) = (text[..bar], text[(bar + 1)..]);
        if (value.Length == 0 || value.Contains('|'))
            throw leaf.Error($"'{text}' is not <type>|<value> with one | and a value after it");
        return type switch
        {
            Acme.Wire.Identifier.Dns => DnsName(leaf, value),
            Acme.Wire.Identifier.Ip => IpAddress(leaf, value),
            _ => throw leaf.Error($"unknown identifier type '{type}' in '{text}'; use dns or ip"),
        };
    }

    /// <summary>A name given to finalize: `example.com`, `192.0.2.7`, or the `<type>|<value>` form.</summary>
    public static Identifier Name(LeafArguments leaf, string text) =>
        text.Contains('|') ? Identifier(leaf, text)
        : IPAddress.TryParse(text, out _) ? IpAddress(leaf, text)
        : DnsName(leaf, text);

    private static Identifier DnsName(LeafArguments leaf, string value)
    {
        if (value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or ':' or '@'))
            throw leaf.Error($"'{value}' is not a DNS name");
        return Acme.Wire.Identifier.ForDns(value);
    }

    private static Identifier IpAddress(LeafArguments leaf, string value) =>
        IPAddress.TryParse(value, out var address) && !value.Contains('/')
            ? Acme.Wire.Identifier.ForIp(address)
            : throw leaf.Error($"'{value}' is not an IP address");

    /// <summary>RFC 8555 §7.6 sends the RFC 5280 reason code.</summary>
    public static int? RevocationReason(LeafArguments leaf, string? text)
    {
        if (text is null) return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 0 and <= 10 and not 7)
            return code;
        if (RevocationReasons.TryGetValue(text, out code)) return code;
        throw leaf.Error($"--reason '{text}' is not an RFC 5280 reason: use 0-10 except 7, or one of " +
                         string.Join(", ", RevocationReasons.Keys));
    }

    /// <summary>Contacts are URLs (RFC 8555 §7.3); a bare address becomes `mailto:`.</summary>
    public static IReadOnlyList<string> Contacts(LeafArguments leaf) =>
        leaf.Options("--contact").Select(c => c.Length == 0
            ? throw leaf.Error("--contact needs an address")
            : c.Contains(':') ? c : $"mailto:{c}").ToArray();

    public static int Number(LeafArguments leaf, string text, string what, int minimum)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < minimum)
            throw leaf.Error($"{what} must be a whole number ≥ {minimum}; got '{text}'");
        return value;
    }

    /// <summary>RFC 8555 §7.3.4: --eab-kid with the MAC key from --eab-hmac-key-file, --eab-hmac-key or
    /// CONCORDE_EAB_HMAC_KEY (<paramref name="fromEnvironment"/>, used only with --eab-kid). The argument checks
    /// come first; a file is read only when they pass. No message repeats the key.</summary>
    public static async Task<ExternalAccountBinding?> ExternalAccountBindingAsync(LeafArguments leaf, string? fromEnvironment,
        CancellationToken ct)
    {
        var (kid, mac, file) = (leaf.Option("--eab-kid"), leaf.Option("--eab-hmac-key"), leaf.Option("--eab-hmac-key-file"));
        var algName = leaf.Option("--eab-alg");
        if (algName is not null && kid is null) throw leaf.Error("--eab-alg needs --eab-kid; give both");
        if (kid is null)
            return mac is null && file is null ? null
                : throw leaf.Error($"{(file is null ? "--eab-hmac-key" : "--eab-hmac-key-file")} needs --eab-kid; give both");
        if (mac is not null && file is not null)
            throw leaf.Error("give the MAC key once: --eab-hmac-key-file or --eab-hmac-key, not both");
        var algorithm = Acme.Crypto.EabMacAlgorithms.Parse(algName ?? "HS256")
            ?? throw leaf.Error($"--eab-alg must be HS256, HS384 or HS512 (the MAC algorithm the CA names), not {algName}");
        string text;
        Func<string, Exception> wrong;
        if (file is null)
        {
            var source = mac is not null ? "--eab-hmac-key" : "CONCORDE_EAB_HMAC_KEY";
            text = mac ?? (!string.IsNullOrEmpty(fromEnvironment) ? fromEnvironment
                : throw leaf.Error("--eab-kid needs the MAC key: --eab-hmac-key-file <path>, the environment variable " +
                                   "CONCORDE_EAB_HMAC_KEY, or --eab-hmac-key <base64url>"));
            wrong = message => leaf.Error($"{source}: {message}");
        }
        else
        {
            // From here on it is the file that is wrong, not the arguments: exit 1, as for an unusable key file.
            if (!File.Exists(file)) throw new CommandFailedException($"{file}: no such EAB MAC key file");
            // A MAC key is a few dozen characters; a device, a pipe or a big file is a wrong path, not a key.
            text = (await SmallTextFile.TryReadAsync(file, MaxEabKeyFileBytes, ct))?.Trim()
                   ?? throw new CommandFailedException($"{file}: cannot be read as an EAB MAC key file (a regular file of at most {MaxEabKeyFileBytes} bytes)");
            wrong = message => new CommandFailedException($"{file}: {message}");
        }
        try
        {
            return Acme.Crypto.ExternalAccountBinding.FromBase64Url(kid, text, algorithm);
        }
        catch (FormatException e)
        {
            throw wrong(e.Message);
        }
    }
}
