using System.Text;
using System.Text.Json.Nodes;

namespace Concorde.Shaman;

/// <summary>shaman.json's text (<see cref="PythonJson"/>'s format) kept in parts: each domain's entry is serialized
/// once and kept until that domain changes, so a save in a profile of N domains serializes the domains that changed,
/// not all N, and the rest of the text is a copy of kept bytes (whole-profile serialization per save made
/// issuance O(N²)). Not thread-safe: <see cref="ProfileDocument"/> calls it under its tree lock.</summary>
internal sealed class ProfileText
{
    private const string DomainsField = "domains";
    private static readonly byte[] Separator = ",\n"u8.ToArray();

    /// <summary>The domain names in file order; null until the next text remakes every entry.</summary>
    private string[]? _order;
    /// <summary>Where each name is in <see cref="_order"/>.</summary>
    private readonly Dictionary<string, int> _position = new(StringComparer.Ordinal);
    /// <summary>Each domain's line(s) as they stand in the file (indent, name, ": ", its object), by position; null
    /// for a domain that changed since.</summary>
    private byte[]?[] _entries = [];
    private readonly StringBuilder _scratch = new();
    /// <summary>The last text made; it grows as the profile does and is reused.</summary>
    private byte[] _buffer = [];

    /// <summary>The entry of <paramref name="domain"/> is remade by the next text.</summary>
    public void DomainChanged(string domain)
    {
        if (_order is not null && _position.TryGetValue(domain, out var at)) _entries[at] = null;
    }

    /// <summary>Any domain may have changed, or been added or removed: the next text remakes every entry.</summary>
    public void EveryDomainChanged() => _order = null;

    /// <summary>The whole text of <paramref name="root"/>, in a buffer that stays valid until the next call: one
    /// writer at a time.</summary>
    public ReadOnlyMemory<byte> Text(JsonObject root)
    {
        var length = 0;
        if (root.Count == 0)
        {
            Append(ref length, "{}"u8);
            return _buffer.AsMemory(0, length);
        }
        var head = new StringBuilder("{");
        var first = true;
        foreach (var (key, child) in root.OrderBy(p => p.Key, PythonJson.CodePointOrder))
        {
            head.Append(first ? "\n" : ",\n");
            first = false;
            PythonJson.AppendKey(head, key, 1);
            if (key == DomainsField && child is JsonObject { Count: > 0 } domains)
            {
                head.Append("{\n");
                Append(ref length, Ascii(head));
                head.Clear();
                AppendDomains(ref length, domains);
                head.Append("\n    }");
            }
            else
            {
                PythonJson.Append(head, child, 1);
            }
        }
        head.Append("\n}");
        Append(ref length, Ascii(head));
        return _buffer.AsMemory(0, length);
    }

    private void AppendDomains(ref int length, JsonObject domains)
    {
        if (_order is null || _order.Length != domains.Count)
        {
            _order = domains.Select(p => p.Key).OrderBy(k => k, PythonJson.CodePointOrder).ToArray();
            _position.Clear();
            for (var i = 0; i < _order.Length; i++) _position[_order[i]] = i;
            _entries = new byte[]?[_order.Length];
        }
        for (var i = 0; i < _order.Length; i++)
        {
            if (i > 0) Append(ref length, Separator);
            Append(ref length, _entries[i] ??= Entry(_order[i], domains[_order[i]]));
        }
    }

    private byte[] Entry(string name, JsonNode? value)
    {
        _scratch.Clear();
        PythonJson.AppendKey(_scratch, name, 2);
        PythonJson.Append(_scratch, value, 2);
        return Ascii(_scratch);
    }

    private void Append(ref int length, ReadOnlySpan<byte> part)
    {
        if (_buffer.Length < length + part.Length) Array.Resize(ref _buffer, Math.Max(2 * _buffer.Length, length + part.Length + 4096));
        part.CopyTo(_buffer.AsSpan(length));
        length += part.Length;
    }

    /// <summary>PythonJson escapes everything outside printable ASCII, so one char is one byte.</summary>
    private static byte[] Ascii(StringBuilder text) => Encoding.ASCII.GetBytes(text.ToString());
}
