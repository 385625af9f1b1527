using Concorde.Acme.Http;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>Link header parsing (RFC 8288) as RFC 8555 §7.4.2 uses it for alternate chains.</summary>
public sealed class LinkHeaderTests
{
    private static readonly Uri Base = new("https://127.0.0.1:14000/certZ/abc");

    [Fact]
    public void Finds_every_alternate_in_one_field_and_across_fields()
    {
        var found = Find(
            "<https://127.0.0.1:14000/certZ/abc/1>;rel=\"alternate\", <https://127.0.0.1:14000/dir>;rel=\"index\"",
            "<https://127.0.0.1:14000/certZ/abc/2>; rel=alternate");

        Assert.Equal(["https://127.0.0.1:14000/certZ/abc/1", "https://127.0.0.1:14000/certZ/abc/2"], found);
    }

    [Fact]
    public void Relative_urls_are_resolved_against_the_request_url()
    {
        Assert.Equal(["https://127.0.0.1:14000/certZ/abc/1", "https://127.0.0.1:14000/chains/2"],
            Find("<abc/1>;rel=\"alternate\", </chains/2>;rel=\"alternate\""));
    }

    [Fact]
    public void Commas_inside_quotes_and_urls_do_not_split_links()
    {
        var found = Find(
            "<https://127.0.0.1/a,b>;rel=\"alternate\";title=\"one, two\", <https://127.0.0.1/c>;title=\"x, y\";rel=\"alternate\"");

        Assert.Equal(["https://127.0.0.1/a,b", "https://127.0.0.1/c"], found);
    }

    [Fact]
    public void Relation_lists_and_case_are_understood()
    {
        Assert.Equal(["https://127.0.0.1/a", "https://127.0.0.1/b"],
            Find("<https://127.0.0.1/a>;rel=\"index alternate\", <https://127.0.0.1/b>;REL=\"Alternate\""));
    }

    [Fact]
    public void Semicolons_inside_quotes_do_not_start_parameters()
    {
        Assert.Empty(Find("<https://127.0.0.1/up>; rel=\"up\"; title=\"chain; rel=alternate\""));
    }

    [Fact]
    public void Only_the_first_rel_parameter_counts()
    {
        // RFC 8288 §3.3: "occurrences after the first MUST be ignored by parsers".
        Assert.Empty(Find("<https://127.0.0.1/up>; rel=\"up\"; rel=\"alternate\""));
    }

    [Fact]
    public void No_link_header_means_no_alternates()
    {
        using var response = new HttpResponseMessage();

        Assert.Empty(LinkHeader.Find(response.Headers, "alternate", Base));
    }

    private static string[] Find(params string[] fields)
    {
        using var response = new HttpResponseMessage();
        foreach (var field in fields)
        {
            response.Headers.TryAddWithoutValidation("Link", field);
        }

        return LinkHeader.Find(response.Headers, "alternate", Base).Select(u => u.AbsoluteUri).ToArray();
    }
}
