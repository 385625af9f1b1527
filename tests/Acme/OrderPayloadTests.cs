using System.Net;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Acme;

/// <summary>What newOrder sends: profiles (draft-aaron-acme-profiles) and replaces (RFC 9773 §5), checked in the
/// recorded JWS payload of a scripted server; Pebble 2.4 offers neither.</summary>
public sealed class OrderPayloadTests
{
    [Fact]
    public async Task Directory_lists_the_servers_profiles()
    {
        var client = await ScriptedAcme.ConnectAsync(ScriptedAcme.CreateHandler());

        Assert.Equal(["classic", "shortlived"], client.Directory.Meta!.Profiles!.Keys.Order());
        Assert.Equal("A short-lived certificate profile", client.Directory.Meta.Profiles["shortlived"]);
        Assert.Equal("https://127.0.0.1/terms", client.Directory.Meta.TermsOfService);
    }

    [Fact]
    public async Task New_order_with_a_profile_and_replaces_sends_both()
    {
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => ScriptedAcme.OrderCreated("nonce-after",
                ScriptedAcme.OrderJson.Replace("\"status\"", "\"profile\":\"shortlived\",\"replaces\":\"aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE\",\"status\"")));
        var client = await ScriptedAcme.ConnectAsync(handler);

        var order = await client.NewOrderAsync(ScriptedAcme.NewAccount(), new NewOrderPayload
        {
            Identifiers = [Identifier.ForDns("example.com")],
            Profile = "shortlived",
            Replaces = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE",
        }, CancellationToken.None);

        var payload = ScriptedAcme.Payload(Assert.Single(handler.RequestsTo(HttpMethod.Post, ScriptedAcme.NewOrderUrl)));
        Assert.Equal("shortlived", payload.GetProperty("profile").GetString());
        Assert.Equal("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", payload.GetProperty("replaces").GetString());
        Assert.Equal("example.com", payload.GetProperty("identifiers")[0].GetProperty("value").GetString());
        Assert.Equal("shortlived", order.Value.Profile);
        Assert.Equal("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", order.Value.Replaces);
        Assert.Equal(new Uri(ScriptedAcme.OrderUrl), order.Location);
    }

    [Fact]
    public async Task New_order_without_profile_or_replaces_omits_them()
    {
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => ScriptedAcme.OrderCreated("nonce-after"));
        var client = await ScriptedAcme.ConnectAsync(handler);

        var order = await client.NewOrderAsync(ScriptedAcme.NewAccount(),
            new NewOrderPayload { Identifiers = [Identifier.ForDns("example.com")] }, CancellationToken.None);

        var payload = ScriptedAcme.Payload(Assert.Single(handler.RequestsTo(HttpMethod.Post, ScriptedAcme.NewOrderUrl)));
        Assert.Equal(["identifiers"], payload.EnumerateObject().Select(p => p.Name));
        Assert.Null(order.Value.Profile);
        Assert.Equal(AcmeStatus.Pending, order.Value.Status);
    }

    [Fact]
    public async Task Signed_request_names_the_account_and_the_url()
    {
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => ScriptedAcme.OrderCreated("nonce-after"));
        var client = await ScriptedAcme.ConnectAsync(handler);

        await client.NewOrderAsync(ScriptedAcme.NewAccount(), new NewOrderPayload { Identifiers = [Identifier.ForDns("example.com")] },
            CancellationToken.None);

        var request = Assert.Single(handler.RequestsTo(HttpMethod.Post, ScriptedAcme.NewOrderUrl));
        Assert.Equal("application/jose+json", request.ContentType);
        var header = ScriptedAcme.ProtectedHeader(request);
        Assert.Equal(ScriptedAcme.AccountUrl, header.GetProperty("kid").GetString());
        Assert.Equal(ScriptedAcme.NewOrderUrl, header.GetProperty("url").GetString());
        Assert.Equal("nonce-1", header.GetProperty("nonce").GetString());
    }

    [Fact]
    public async Task Order_with_unknown_status_and_members_is_read_without_failing()
    {
        var handler = ScriptedAcme.CreateHandler()
            .Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => ScriptedAcme.OrderCreated("nonce-after",
                ScriptedAcme.OrderJson.Replace("\"pending\"", "\"pondering\"").Replace("\"expires\"", "\"newMember\":{\"x\":1},\"expires\"")));
        var client = await ScriptedAcme.ConnectAsync(handler);

        var order = await client.NewOrderAsync(ScriptedAcme.NewAccount(),
            new NewOrderPayload { Identifiers = [Identifier.ForDns("example.com")] }, CancellationToken.None);

        Assert.Equal(AcmeStatus.Unknown, order.Value.Status);
        Assert.Equal(1, order.Json.GetProperty("newMember").GetProperty("x").GetInt32());
    }
}
