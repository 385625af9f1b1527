using System.Net;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>Answers about the account that Pebble cannot be made to give (userActionRequired: new terms to accept; an
/// account object that says "deactivated"), from a scripted CA: one `account:` error for the run, recorded at profile
/// level, no domain charged; an "unauthorized" while the account is still valid stays the domain's.</summary>
public sealed class ShamanAccountRefusalTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Names = ["one.example.com", "two.example.com", "three.example.com"];

    [Fact]
    public async Task User_action_required_is_one_account_error_and_no_domain_is_charged()
    {
        using var profile = await ScriptedProfile.CreateAsync(Names);
        profile.Update(c => c["parallel"] = 1);
        var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        ca.RefuseNextOrder(HttpStatusCode.Forbidden, "urn:ietf:params:acme:error:userActionRequired", "accept the new terms at https://127.0.0.1/tos");

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        var error = Assert.Single(run.Lines, l => l.StartsWith("ERROR ", StringComparison.Ordinal));
        Assert.StartsWith("ERROR account: the CA refused the account: ", error, StringComparison.Ordinal);
        Assert.Single(ca.NewOrderPayloads);
        Assert.Equal(1, (int)profile.Read()["runFailures"]!);
        foreach (var name in Names) Assert.Null(profile.ReadDomain(name)["failures"]);
    }

    [Fact]
    public async Task Unauthorized_from_an_account_whose_object_says_deactivated_is_one_account_error()
    {
        using var profile = await ScriptedProfile.CreateAsync(Names);
        profile.Update(c => c["parallel"] = 1);
        var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        ca.RefuseNextOrder(HttpStatusCode.Forbidden, "urn:ietf:params:acme:error:unauthorized", "scripted refusal");
        ca.AnswerAccountStatusOnce("deactivated");

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        var error = Assert.Single(run.Lines, l => l.StartsWith("ERROR ", StringComparison.Ordinal));
        Assert.StartsWith($"ERROR account: the CA no longer accepts account {ScriptedAcme.AccountUrl} (its status is deactivated)", error, StringComparison.Ordinal);
        Assert.Single(ca.NewOrderPayloads);
        Assert.Equal(1, (int)profile.Read()["runFailures"]!);
        foreach (var name in Names) Assert.Null(profile.ReadDomain(name)["failures"]);
    }

    [Fact]
    public async Task Unauthorized_while_the_account_is_valid_stays_the_domains_failure()
    {
        using var profile = await ScriptedProfile.CreateAsync(Names);
        profile.Update(c => c["parallel"] = 1);
        var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        ca.RefuseNextOrder(HttpStatusCode.Forbidden, "urn:ietf:params:acme:error:unauthorized", "policy forbids this name");

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        Assert.Contains(run.Lines, l => l.StartsWith($"ERROR {Names[0]}: the CA refused: ", StringComparison.Ordinal));
        Assert.Equal(1, (int)profile.ReadDomain(Names[0])["failures"]!);
        Assert.Null(profile.Read()["runFailures"]);
        Assert.Equal(3, ca.NewOrderPayloads.Count);
    }
}
