using System.Net;
using System.Net.Sockets;

namespace Concorde.Shaman;

/// <summary>Names that may appear in a profile: DNS names (RFC 1035 §2.3.4 limits, LDH labels, an optional
/// leading "*." wildcard) and IP addresses (RFC 8738). A name also becomes part of a file name, so anything
/// that could escape the profile directory is refused.</summary>
public static class DomainName
{
    private const int MaxNameLength = 253;
    private const int MaxLabelLength = 63;

    /// <summary>Returns null when <paramref name="name"/> is usable, else why not.</summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0) return "the name is empty";
        // IPAddress.TryParse also takes the inet_aton shorthands ("10", "127.1", "0x7f.0.0.1") and "[::1]"; RFC 8738
        // identifiers are dotted-quad IPv4 and plain IPv6 text.
        if (IPAddress.TryParse(name, out var address))
            return address.AddressFamily switch
            {
                AddressFamily.InterNetwork when address.ToString() == name => null,
                AddressFamily.InterNetworkV6 when !name.Contains('%') && !name.Contains('[') => null,
                _ => "is not a plain IPv4 or IPv6 address (write IPv4 as four decimal numbers, e.g. 192.0.2.1)",
            };
        if (name.EndsWith('.')) return "ends with a dot; write the name without the trailing dot";
        if (name.Length > MaxNameLength) return $"is longer than {MaxNameLength} characters";
        var labels = name.Split('.');
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            if (i == 0 && label == "*" && labels.Length > 2) continue;
            if (label.Length == 0) return "has an empty label (\"..\")";
            if (label.Length > MaxLabelLength) return $"has a label longer than {MaxLabelLength} characters";
            if (label[0] == '-' || label[^1] == '-') return $"has a label that starts or ends with '-' (\"{label}\")";
            foreach (var c in label)
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-'))
                    return $"contains '{Printable(c)}'; only letters, digits, '-' and '.' are allowed (use the punycode form for international names)";
        }
        if (labels.Length < 2) return "is a single label; use a fully qualified name such as example.com";
        return null;
    }

    /// <summary>The longest name whose files fit a file name (255 bytes): "&lt;name&gt;.key.priv.pem" and the temporary
    /// file an atomic write makes beside it (".&lt;file&gt;.&lt;32 hex&gt;.tmp") add 51 characters.</summary>
    public const int MaxFileStemLength = 255 - 51;

    /// <summary>For a domain's own name, which also names its files: null when they fit, else why not. Found when the
    /// profile is read, not when the first file is written.</summary>
    public static string? FileNameProblem(string name) =>
        name.Length > MaxFileStemLength
            ? $"is {name.Length} characters long: its key and certificate files would not fit a file name (at most {MaxFileStemLength}); " +
              "use a shorter name and list this one in \"altNames\""
            : null;

    private static string Printable(char c) => char.IsControl(c) || char.IsWhiteSpace(c) ? $"\\u{(int)c:x4}" : c.ToString();
}
