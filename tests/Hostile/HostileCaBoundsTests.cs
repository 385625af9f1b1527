using System.Net;
using Concorde.Acme;
using Concorde.Acme.Problems;
using Concorde.Shaman;
using Concorde.Tests.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>What a CA sends is bounded before shaman keeps or prints it: a problem detail of megabytes is cut in the
/// log, in shaman.json and in --status, so the profile stays readable by the next run; a certificate chain larger
/// than shaman reads back is refused at the download; only the first alternate chains are fetched.</summary>
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
        var status = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now), options: "--status")).Exited(1);

        var lastError = profile.ReadDomain(Name)["lastError"]!.GetValue<string>();
        Assert.StartsWith($"{Name}: the CA refused: urn:ietf:params:acme:error:rejectedIdentifier: \\u0001\\u0001", lastError, StringComparison.Ordinal);
        Assert.InRange(lastError.Length, 1, ServerText.MaxMessageLength + 1);
        Assert.InRange(new FileInfo(profile.PathOf(ProfileSettings.FileName)).Length, 1, 64 * 1024);
        Assert.All(run.Lines.Concat(status.Lines), l => Assert.InRange(l.Length, 1, ServerText.MaxMessageLength + 16));
        Assert.Contains(run.Lines, l => l.StartsWith($"ERROR {Name}: the CA refused: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Account_refusal_of_megabytes_is_cut_in_the_run_level_record_and_the_notification()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync(Name);
        var notified = profile.PathOf("notified");
        var notify = profile.PathOf("notify");
        await File.WriteAllTextAsync(notify, $"#!/bin/sh\ncat > '{notified}'\n");
        File.SetUnixFileMode(notify, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        profile.Update(c => c["notify"] = notify);
        ca.RefuseNextOrder(HttpStatusCode.Forbidden, "urn:ietf:params:acme:error:userActionRequired", new string('x', 3_000_000));

        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        var state = profile.Read();
        Assert.InRange(state["runLastError"]!.GetValue<string>().Length, 1, ServerText.MaxMessageLength + 1);
        Assert.InRange(state["notifiedRunError"]!.GetValue<string>().Length, 1, ServerText.MaxMessageLength + 1);
        Assert.InRange(new FileInfo(profile.PathOf(ProfileSettings.FileName)).Length, 1, 64 * 1024);
        Assert.InRange(new FileInfo(notified).Length, 1, 64 * 1024);
    }

    [Fact]
    public async Task Certificate_chain_larger_than_shaman_reads_back_is_refused_at_the_download()
    {
        var padding = new string('\n', CertificateChain.MaxPemBytes);
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now)) { ServedChain = chain => chain + padding };
        using var profile = await ScriptedProfile.CreateAsync(Name);

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        Assert.Contains(run.Lines, l => l.StartsWith($"ERROR {Name}: ", StringComparison.Ordinal)
                                        && l.Contains($"is refused", StringComparison.Ordinal) && l.Contains("certificate chain of", StringComparison.Ordinal));
        Assert.False(File.Exists(profile.CertificatePath(Name)));
        Assert.Equal(1, profile.ReadDomain(Name)["failures"]!.GetValue<int>());
    }

    [Fact]
    public async Task Certificate_chain_of_the_largest_size_accepted_is_read_back()
    {
        var padding = new string('\n', CertificateChain.MaxPemBytes - 8 * 1024);
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now)) { ServedChain = chain => chain + padding };
        using var profile = await ScriptedProfile.CreateAsync(Name);
        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now.AddHours(1)))).Exited(0);

        Assert.Single(ca.Csrs);
    }

    [Fact]
    public async Task Only_the_first_alternate_chains_are_fetched_however_many_the_CA_offers()
    {
        const int offered = 50;
        var alternates = Enumerable.Range(0, offered).Select(i => $"{ScriptedCa.CertificateUrlPrefix}alternate/{i}").ToList();
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now))
        {
            CertificateHeaders = [.. alternates.Select(url => ("Link", $"<{url}>;rel=\"alternate\""))],
        };
        using var profile = await ScriptedProfile.CreateAsync(Name);
        profile.Update(c => c["preferredChain"] = "No Such Root");
        using var other = ca.Authority.Issue(profile.Key(Name), [Name], Now.AddHours(-1), Now.AddDays(90));
        var otherChain = ca.Authority.ChainPem(other);
        foreach (var url in alternates)
            ca.Handler.Always(HttpMethod.Post, url, _ => ScriptedHandler.Json(HttpStatusCode.OK, otherChain, "application/pem-certificate-chain"));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        Assert.Equal(PreferredChain.MaxAlternates, alternates.Sum(url => ca.Handler.RequestsTo(HttpMethod.Post, url).Count));
        Assert.Contains(run.Lines, l => l.StartsWith($"WARNING {Name}: no chain offered by the CA ends at an issuer named \"No Such Root\"", StringComparison.Ordinal));
    }
}
