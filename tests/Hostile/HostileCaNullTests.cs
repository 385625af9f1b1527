using System.Net;
using System.Text.Json.Nodes;
using Concorde.Acme.Crypto;
using Concorde.Tests.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>A CA that answers JSON null (or nothing) where the protocol requires an object, a list or a string: the domain fails
/// with a protocol error that is logged, recorded for the backoff and notified, like any other refusal; the run goes
/// on. A renewalInfo answer without a usable window leaves the renewal to the fallback rule.</summary>
public sealed class HostileCaNullTests
{
    private const string Name = "victim.example.com";
    private const string OrderUrl = ScriptedAcme.Base + "order/null";
    private const string AuthorizationUrl = ScriptedAcme.Base + "authz/null";
    private const string Identifiers = $$"""[{"type":"dns","value":"{{Name}}"}]""";
    private const string Identifier = $$"""{"type":"dns","value":"{{Name}}"}""";
    private const string Challenge = $$"""{"type":"http-01","url":"{{ScriptedAcme.Base}}chall/null","status":"pending","token":"aGVsbG8"}""";
    private static readonly DateTimeOffset Now = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static string Order(string identifiers, string authorizations) =>
        $$"""{"status":"pending","identifiers":{{identifiers}},"authorizations":{{authorizations}},"finalize":"{{OrderUrl}}/finalize"}""";

    private static string Authorization(string identifier, string challenges) =>
        $$"""{"status":"pending","identifier":{{identifier}},"challenges":{{challenges}}}""";

    public static TheoryData<string, string?> NullMembers => new()
    {
        { Order("null", $"[\"{AuthorizationUrl}\"]"), null },
        { Order(Identifiers, "null"), null },
        { Order(Identifiers, $"[null,\"{AuthorizationUrl}\"]"), null },
        { Order($"[null,{Identifier}]", $"[\"{AuthorizationUrl}\"]"), null },
        { Order(Identifiers, $"[\"{AuthorizationUrl}\"]"), Authorization("null", $"[{Challenge}]") },
        { Order(Identifiers, $"[\"{AuthorizationUrl}\"]"), Authorization(Identifier, "null") },
        { Order(Identifiers, $"[\"{AuthorizationUrl}\"]"), Authorization(Identifier, $"[null,{Challenge}]") },
        // Missing is the same as null: §7.1.3 and §7.1.4 require these lists.
        { $$"""{"status":"pending","identifiers":{{Identifiers}},"finalize":"{{OrderUrl}}/finalize"}""", null },
        { Order(Identifiers, $"[\"{AuthorizationUrl}\"]"), $$"""{"status":"pending","identifier":{{Identifier}}}""" },
        { Order(Identifiers, $"[\"{AuthorizationUrl}\"]"), Authorization(Identifier, Challenge.Replace($"\"{ScriptedAcme.Base}chall/null\"", "null", StringComparison.Ordinal)) },
    };

    [Theory]
    [MemberData(nameof(NullMembers))]
    public async Task Null_where_the_protocol_requires_a_value_fails_the_domain_with_a_recorded_protocol_error(string order, string? authorization)
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync(Name);
        var notified = profile.PathOf("notified");
        var notify = profile.PathOf("notify");
        await File.WriteAllTextAsync(notify, $"#!/bin/sh\ncat > '{notified}'\n");
        File.SetUnixFileMode(notify, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        profile.Update(c => c["notify"] = notify);
        ca.Handler.Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => ScriptedHandler.Json(HttpStatusCode.Created, order, headers: ("Location", OrderUrl)));
        ca.Handler.Always(HttpMethod.Post, OrderUrl, _ => ScriptedHandler.Json(HttpStatusCode.OK, order));
        if (authorization is not null)
            ca.Handler.Always(HttpMethod.Post, AuthorizationUrl, _ => ScriptedHandler.Json(HttpStatusCode.OK, authorization));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        Assert.Contains(run.Lines, l => l.StartsWith($"ERROR {Name}: ", StringComparison.Ordinal) && l.Contains(" answered malformed JSON (", StringComparison.Ordinal));
        Assert.Equal(1, profile.ReadDomain(Name)["failures"]!.GetValue<int>());
        Assert.True(File.Exists(notified), "the notify program did not run");
        Assert.Empty(ca.Csrs);
    }

    [Theory]
    [InlineData("""{"suggestedWindow":null}""")]
    [InlineData("""{"suggestedWindow":{"start":null,"end":"2030-03-02T00:00:00Z"}}""")]
    [InlineData("""{"suggestedWindow":{"end":"2030-03-02T00:00:00Z"}}""")]
    public async Task RenewalInfo_without_a_usable_window_leaves_a_due_certificate_to_the_fallback_rule(string renewalInfo)
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync(Name);
        profile.Update(c => c["renewal"] = 30);
        using var leaf = profile.InstallCertificate(Name, ca.Authority, Now.AddDays(-80), Now.AddDays(10));
        profile.UpdateDomain(Name, d => d["renewalInfo"] = new JsonObject { ["checkAfter"] = ScriptedCa.Format(Now.AddHours(-1)) });
        ca.Handler.Always(HttpMethod.Get, ScriptedCa.RenewalInfoUrl(CertificateId.For(leaf)), _ => ScriptedHandler.Json(HttpStatusCode.OK, renewalInfo));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        Assert.Contains(run.Lines, l => l.StartsWith($"WARNING {Name}: renewal information (ARI) unavailable", StringComparison.Ordinal));
        Assert.Single(ca.Csrs);
        Assert.NotEqual(leaf.SerialNumber, profile.Leaf(Name).SerialNumber);
    }

    [Fact]
    public async Task RenewalInfo_without_a_window_moves_checkAfter_on_for_a_current_certificate()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync(Name);
        using var leaf = profile.InstallCertificate(Name, ca.Authority, Now.AddDays(-10), Now.AddDays(80));
        profile.UpdateDomain(Name, d => d["renewalInfo"] = new JsonObject { ["checkAfter"] = ScriptedCa.Format(Now.AddHours(-1)) });
        ca.Handler.Always(HttpMethod.Get, ScriptedCa.RenewalInfoUrl(CertificateId.For(leaf)),
            _ => ScriptedHandler.Json(HttpStatusCode.OK, """{"suggestedWindow":null}"""));

        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        Assert.Equal(ScriptedCa.Format(Now.AddHours(1)), profile.ReadDomain(Name)["renewalInfo"]!["checkAfter"]!.GetValue<string>());
        Assert.Empty(ca.Posts);
    }
}
