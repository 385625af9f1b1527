using System.Net;
using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>A CA that misbehaves on purpose: what it sends is checked before shaman (running as root) acts on it.
/// URLs that are not https are neither requested nor recorded; a token outside base64url never reaches an
/// authenticator; an authorization or an order for names the domain did not request is not answered, and no CSR
/// names them; an order the CA never moves forward is given up after a bounded number of steps.</summary>
public sealed class HostileCaTests
{
    private const string Name = "victim.example.com";
    private const string OrderUrl = ScriptedAcme.Base + "order/hostile";
    private const string AuthorizationUrl = ScriptedAcme.Base + "authz/hostile";
    private const string FinalizeUrl = OrderUrl + "/finalize";
    private static readonly DateTimeOffset Now = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static string Order(string status, string identifiers = $$"""[{"type":"dns","value":"{{Name}}"}]""", string authorizations = "[]") =>
        $$"""{"status":"{{status}}","identifiers":{{identifiers}},"authorizations":{{authorizations}},"finalize":"{{FinalizeUrl}}"}""";

    private static HttpResponseMessage Created(string json, string location = OrderUrl) =>
        ScriptedHandler.Json(HttpStatusCode.Created, json, headers: ("Location", location));

    private static HttpResponseMessage Ok(string json) => ScriptedHandler.Json(HttpStatusCode.OK, json);

    /// <summary>A profile whose http-01 authenticator leaves a mark when it runs.</summary>
    private static async Task<(ScriptedProfile Profile, string Mark)> ProfileWithMarkingAuthenticatorAsync()
    {
        var profile = await ScriptedProfile.CreateAsync(Name);
        var mark = profile.PathOf("authenticator-ran");
        var script = profile.PathOf("authenticator");
        await File.WriteAllTextAsync(script, $"#!/bin/sh\ncat > '{mark}'\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        profile.Update(c => c["authenticators"] = new JsonObject { [Challenge.Http01] = script });
        return (profile, mark);
    }

    private static void PendingOrderWithAuthorization(ScriptedCa ca, string authorization)
    {
        ca.Handler.Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => Created(Order("pending", authorizations: $"[\"{AuthorizationUrl}\"]")));
        ca.Handler.Always(HttpMethod.Post, AuthorizationUrl, _ => Ok(authorization));
    }

    [Fact]
    public async Task Order_location_that_is_not_https_is_refused_and_never_recorded()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync(Name);
        ca.Handler.Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => Created(Order("ready"), location: "file:///etc/passwd"));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        Assert.Contains(run.Lines, l => l.StartsWith($"ERROR {Name}: ", StringComparison.Ordinal)
                                        && l.Contains("Location file:///etc/passwd: the server gave a URL that is not https; refused", StringComparison.Ordinal));
        Assert.False(profile.ReadDomain(Name).ContainsKey("order_id"));
        Assert.Empty(ca.Csrs);
    }

    [Fact]
    public async Task Plain_http_url_from_an_https_ca_is_not_requested()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        var (profile, mark) = await ProfileWithMarkingAuthenticatorAsync();
        using var _ = profile;
        const string plainAuthorization = "http://127.0.0.1/acme/authz/plain";
        ca.Handler.Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => Created(Order("pending", authorizations: $"[\"{plainAuthorization}\"]")));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        Assert.Contains(run.Lines, l => l.StartsWith($"ERROR {Name}: ", StringComparison.Ordinal) && l.Contains("not https; refused", StringComparison.Ordinal));
        Assert.Empty(ca.Handler.RequestsTo(HttpMethod.Post, plainAuthorization));
        Assert.False(File.Exists(mark));
    }

    [Theory]
    [InlineData("../../../pwned")]
    [InlineData("token\nwith-a-newline")]
    [InlineData("")]
    public async Task Challenge_token_outside_base64url_never_reaches_an_authenticator(string token)
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        var (profile, mark) = await ProfileWithMarkingAuthenticatorAsync();
        using var _ = profile;
        PendingOrderWithAuthorization(ca, $$"""
            {"status":"pending","identifiers":{"type":"dns","value":"{{Name}}"},"identifier":{"type":"dns","value":"{{Name}}"},
             "challenges":[{"type":"http-01","url":"{{ScriptedAcme.Base}}chall/1","status":"pending","token":{{JsonValue.Create(token).ToJsonString()}}}]}
            """);

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        var error = Assert.Single(run.Lines, l => l.StartsWith($"ERROR {Name}: ", StringComparison.Ordinal));
        Assert.Contains("is not base64url (RFC 8555 §8.3); refused before any authenticator runs", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
        Assert.False(File.Exists(mark), "the authenticator ran");
    }

    [Theory]
    [InlineData("victim.example.net", false)]
    [InlineData(Name, true)] // *.victim.example.com was never requested either
    [InlineData("victim.example.net\u001b[31m", false)]
    public async Task Authorization_for_a_name_the_domain_did_not_request_is_not_answered(string identifier, bool wildcard)
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        var (profile, mark) = await ProfileWithMarkingAuthenticatorAsync();
        using var _ = profile;
        var value = JsonValue.Create(identifier).ToJsonString();
        PendingOrderWithAuthorization(ca, $$"""
            {"status":"pending","identifier":{"type":"dns","value":{{value}}},"wildcard":{{(wildcard ? "true" : "false")}},
             "challenges":[{"type":"http-01","url":"{{ScriptedAcme.Base}}chall/1","status":"pending","token":"aGVsbG8"}]}
            """);

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        var error = Assert.Single(run.Lines, l => l.StartsWith($"ERROR {Name}: ", StringComparison.Ordinal));
        Assert.Contains("which this domain did not request; not answered", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', run.Stdout + run.Stderr);
        Assert.False(File.Exists(mark), "the authenticator ran");
        Assert.Empty(ca.Handler.RequestsTo(HttpMethod.Post, $"{ScriptedAcme.Base}chall/1"));
    }

    [Fact]
    public async Task New_order_for_names_not_requested_is_refused_before_any_csr()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync(Name);
        ca.Handler.Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => Created(Order("ready",
            identifiers: $$"""[{"type":"dns","value":"{{Name}}"},{"type":"dns","value":"evil-extra.example.org"}]""")));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        Assert.Contains(run.Lines, l => l.StartsWith($"ERROR {Name}: the CA's new order {OrderUrl} is for {Name}, evil-extra.example.org, not the names requested", StringComparison.Ordinal));
        Assert.Empty(ca.Handler.RequestsTo(HttpMethod.Post, FinalizeUrl));
        Assert.Empty(ca.Csrs);
    }

    [Fact]
    public async Task Order_that_stays_ready_after_every_finalize_is_given_up_after_bounded_steps()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync(Name);
        ca.Handler.Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => Created(Order("ready")));
        ca.Handler.Always(HttpMethod.Post, FinalizeUrl, _ => Ok(Order("ready")));
        ca.Handler.Always(HttpMethod.Post, OrderUrl, _ => Ok(Order("ready")));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        Assert.Contains(run.Lines, l => l.StartsWith($"ERROR {Name}: order {OrderUrl} is still ready after 6 steps; the CA does not move it forward", StringComparison.Ordinal));
        Assert.InRange(ca.Handler.RequestsTo(HttpMethod.Post, FinalizeUrl).Count, 1, 6);
        Assert.False(profile.ReadDomain(Name).ContainsKey("order_id"));
    }

    [Fact]
    public async Task Control_characters_in_a_problem_detail_reach_neither_the_log_nor_the_state_nor_status_unescaped()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync(Name);
        ca.RefuseNextOrder(HttpStatusCode.BadRequest, "urn:ietf:params:acme:error:rejectedIdentifier",
            // JSON escapes: the detail the client decodes holds a real newline and ESC.
            @"no\nERROR forged.example.com: a line the CA wrote \u001b[31mred\u001b[0m");

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);
        var status = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now), options: "--status")).Exited(1);

        Assert.All(run.Lines, l => Assert.Matches("^(DEBUG|INFO|WARNING|ERROR|CRITICAL) ", l));
        Assert.DoesNotContain(run.Lines, l => l.StartsWith("ERROR forged", StringComparison.Ordinal));
        Assert.Contains(run.Lines, l => l.StartsWith($"ERROR {Name}: ", StringComparison.Ordinal) && l.Contains("no\\u000aERROR forged", StringComparison.Ordinal));
        var lastError = profile.ReadDomain(Name)["lastError"]!.GetValue<string>();
        Assert.DoesNotContain('\n', lastError);
        Assert.DoesNotContain('\u001b', lastError);
        Assert.DoesNotContain('\u001b', run.Stdout + run.Stderr + status.Stdout);
        Assert.DoesNotContain(status.Lines, l => l.StartsWith("ERROR forged", StringComparison.Ordinal));
    }
}
