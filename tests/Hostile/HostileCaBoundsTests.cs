using System.Net;
using Concorde.Acme.Problems;
using Concorde.Shaman;
using Concorde.Tests.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>What a CA sends is bounded before shaman keeps or prints it: a problem detail of megabytes is cut in the
/// log, in shaman.json and in --status, so the profile stays readable by the next run.</summary>
public sealed class HostileCaBoundsTests
{
    private const string Name = "victim.example.com";
    private static readonly DateTimeOffset Now = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Problem_detail_of_megabytes_is_cut_in_the_log_the_state_and_status()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync(Name);
        // 600,000 control characters as JSON escapes: 3.6 MB on the wire, six times as long once shown escaped.
        ca.RefuseNextOrder(HttpStatusCode.BadRequest, "urn:ietf:params:acme:error:rejectedIdentifier", string.Concat(Enumerable.Repeat(@"\u0001", 600_000)));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);
        var status = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now), options: "--status")).Exited(0);

        var lastError = profile.ReadDomain(Name)["lastError"]!.GetValue<string>();
        Assert.StartsWith($"{Name}: the CA refused: urn:ietf:params:acme:error:rejectedIdentifier: \\u0001\\u0001", lastError, StringComparison.Ordinal);
        Assert.InRange(lastError.Length, 1, ServerText.MaxMessageLength + 1);
        Assert.InRange(new FileInfo(profile.PathOf(ProfileSettings.FileName)).Length, 1, 64 * 1024);
        Assert.All(run.Lines.Concat(status.Lines), l => Assert.InRange(l.Length, 1, ServerText.MaxMessageLength + 16));
        Assert.Contains(run.Lines, l => l.StartsWith($"ERROR {Name}: the CA refused: ", StringComparison.Ordinal));
    }
}
