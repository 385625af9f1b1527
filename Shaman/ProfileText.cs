using System.Text;
using System.Text.Json.Nodes;

namespace Concorde.Shaman;

/// <summary>shaman.json's text (<see cref="PythonJson"/>'s format) kept in parts: each domain's entry is serialized
/// once and kept until that domain changes, so a save in a profile of N domains serializes the domains that changed,
/// not all N, and the rest of the text is a copy of kept bytes (issue 14: whole-profile serialization per save made
/// issuance O(N²)). Not thread-safe: <see cref="ProfileDocument"/> calls it under its tree lock.</summary>
internal sealed class ProfileText
{
    private const string DomainsField = "domains";
    private static readonly byte[] Separator = ",\n"u8.ToArray();

    /// <summary>Each domain's line(s) as they stand in the file: indent, name, ": ", its object.</summary>
    private readonly Dictionary<string, byte[]> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
    /// <summary>The domain names in file order; null until the next snapshot remakes every entry.</summary>
    private string[]? _order;
    private readonly List<byte[]> _parts = [];
    private readonly StringBuilder _scratch = new();

    /// <summary>The entry of <paramref name="domain"/> is remade by the next snapshot.</summary>
    public void DomainChanged(string domain)
    {
        if (_order is not null) _changed.Add(domain);
    }

    /// <summary>Any domain may have changed, or been added or removed: the next snapshot remakes every entry.</summary>
    public void EveryDomainChanged()
    {
        _order = null;
        _entries.Clear();
        _changed.Clear();
    }

    /// <summary>The whole text of <paramref name="root"/> as byte arrays in order, valid until the next call (one
    /// writer at a time). The arrays themselves are never changed (a changed entry gets a new one), so they may be
    /// copied after the caller's lock is released.</summary>
    public IReadOnlyList<byte[]> Snapshot(JsonObject root)
    {
        _parts.Clear();
        var head = new StringBuilder();
        if (root.Count == 0)
        {
            _parts.Add("{}"u8.ToArray());
            return _parts;
        }
        head.Append('{');
        var first = true;
        foreach (var (key, child) in root.OrderBy(p => p.Key, PythonJson.CodePointOrder))
        {
            head.Append(first ? "\n" : ",\n");
            first = false;
            PythonJson.AppendKey(head, key, 1);
            if (key == DomainsField && child is JsonObject { Count: > 0 } domains)
            {
                head.Append("{\n");
                _parts.Add(Ascii(head));
                head.Clear();
                AddDomains(domains);
                head.Append("\n    }");
            }
            else
            {
                PythonJson.Append(head, child, 1);
            }
        }
        head.Append("\n}");
        _parts.Add(Ascii(head));
        return _parts;
    }

    private void AddDomains(JsonObject domains)
    {
        if (_order is null || _order.Length != domains.Count)
        {
            EveryDomainChanged();
            _order = domains.Select(p => p.Key).OrderBy(k => k, PythonJson.CodePointOrder).ToArray();
        }
        foreach (var name in _changed) _entries.Remove(name);
        _changed.Clear();
        for (var i = 0; i < _order.Length; i++)
        {
            if (i > 0) _parts.Add(Separator);
            var name = _order[i];
            if (!_entries.TryGetValue(name, out var entry))
            {
                _scratch.Clear();
                PythonJson.AppendKey(_scratch, name, 2);
                PythonJson.Append(_scratch, domains[name], 2);
                entry = Ascii(_scratch);
                _entries[name] = entry;
            }
            _parts.Add(entry);
        }
    }

    /// <summary>PythonJson escapes everything outside printable ASCII, so one char is one byte.</summary>
    private static byte[] Ascii(StringBuilder text) => Encoding.ASCII.GetBytes(text.ToString());
}
