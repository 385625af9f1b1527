using System.Net.Http.Headers;

namespace Concorde.Acme.Http;

/// <summary>Link header values (RFC 8288) of a given relation, resolved against the request URL.
/// RFC 8555 uses them for "index", "up" and, for certificates, "alternate" (§7.4.2).</summary>
public static class LinkHeader
{
    public static IReadOnlyList<Uri> Find(HttpResponseHeaders headers, string relation, Uri baseUrl)
    {
        if (!headers.TryGetValues("Link", out var values)) return [];
        var found = new List<Uri>();
        foreach (var value in values)
            foreach (var link in SplitOutsideQuotes(value, ','))
                if (TryParse(link, baseUrl, out var url, out var rels) && rels.Contains(relation, StringComparer.OrdinalIgnoreCase))
                    found.Add(url);
        return found;
    }

    /// <summary>Splits at <paramref name="separator"/> (commas between links, semicolons between parameters),
    /// except inside &lt;...&gt; and quoted strings.</summary>
    private static IEnumerable<string> SplitOutsideQuotes(string text, char separator)
    {
        var start = 0;
        bool inUrl = false, inQuotes = false;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '<' when !inQuotes: inUrl = true; break;
                case '>' when !inQuotes: inUrl = false; break;
                case '"' when !inUrl: inQuotes = !inQuotes; break;
                case var c when c == separator && !inUrl && !inQuotes:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }
        yield return text[start..];
    }

    private static bool TryParse(string link, Uri baseUrl, out Uri url, out string[] relations)
    {
        url = baseUrl;
        relations = [];
        var open = link.IndexOf('<');
        var close = link.IndexOf('>', open + 1);
        if (open < 0 || close < 0) return false;
        if (!Uri.TryCreate(baseUrl, link[(open + 1)..close].Trim(), out var resolved)) return false;
        url = resolved;
        foreach (var parameter in SplitOutsideQuotes(link[(close + 1)..], ';'))
        {
            var equals = parameter.IndexOf('=');
            if (equals < 0 || !parameter[..equals].Trim().Equals("rel", StringComparison.OrdinalIgnoreCase)) continue;
            relations = parameter[(equals + 1)..].Trim().Trim('"').Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // RFC 8288 §3.3: "occurrences after the first MUST be ignored by parsers".
            break;
        }
        return true;
    }
}
