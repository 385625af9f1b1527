using System.Diagnostics;
using System.Net;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>A CA that keeps one domain going for ever (an order "processing" with a short Retry-After, a response
/// that never ends) is stopped by that domain's "domainTimeout": the domain fails naming what the server was doing,
/// its order stays recorded, the other domain gets its certificate, and the next run takes the lock.</summary>
public sealed class DomainDeadlineTests
{
    private const string Slow = "slow.example.com";
    private const string Good = "good.example.com";
    private const string SlowOrderUrl = ScriptedAcme.Base + "order/slow";
    private const string SlowFinalizeUrl = SlowOrderUrl + "/finalize";

    private static string SlowOrder(string status) =>
        $$"""{"status":"{{status}}","identifiers":[{"type":"dns","value":"{{Slow}}"}],"authorizations":[],"finalize":"{{SlowFinalizeUrl}}"}""";

    /// <summary>Both domains in one profile; <see cref="Slow"/> has an order in progress and a 3 s deadline of its
    /// own, <see cref="Good"/> the default.</summary>
    private static async Task<ScriptedProfile> TwoDomainsAsync()
    {
        var profile = await ScriptedProfile.CreateAsync(Slow, Good);
        profile.UpdateDomain(Slow, d =>
        {
            d["order_id"] = SlowOrderUrl;
            d["domainTimeout"] = 3;
        });
        return profile;
    }

    [Fact]
    public async Task Order_kept_processing_with_a_short_retry_after_fails_its_domain_at_the_deadline()
    {
        using var ca = new ScriptedCa(TimeProvider.System);
        using var profile = await TwoDomainsAsync();
        ca.Handler.Always(HttpMethod.Post, SlowOrderUrl, _ => ScriptedHandler.Json(HttpStatusCode.OK, SlowOrder("processing"), headers: ("Retry-After", "1")));
        var clock = Stopwatch.StartNew();

        var run = (await profile.RunAsync(ca, TimeProvider.System)).Exited(1);

        // Polling alone would go on for minutes (the client's polling limit is 3 minutes per wait).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        var error = Assert.Single(run.Lines, l => l.StartsWith($"ERROR {Slow}: ", StringComparison.Ordinal));
        Assert.StartsWith($"ERROR {Slow}: order {SlowOrderUrl} was still processing at the CA after 3 s, the domain's \"domainTimeout\"", error, StringComparison.Ordinal);
        var polls = ca.Handler.RequestsTo(HttpMethod.Post, SlowOrderUrl).Count;
        Assert.InRange(polls, 2, 8);
        AssertSlowFailedAndGoodIssued(profile, "was still processing at the CA after 3 s");
        await AssertNextRunTakesTheLockAsync(profile, ca);
    }

    [Fact]
    public async Task Finalize_answer_that_never_ends_fails_its_domain_at_the_deadline()
    {
        using var ca = new ScriptedCa(TimeProvider.System);
        using var profile = await TwoDomainsAsync();
        ca.Handler.Always(HttpMethod.Post, SlowOrderUrl, _ => ScriptedHandler.Json(HttpStatusCode.OK, SlowOrder("ready")));
        ca.Handler.Always(HttpMethod.Post, SlowFinalizeUrl, _ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new EndlessStream()),
        });

        var run = (await profile.RunAsync(ca, TimeProvider.System)).Exited(1);

        var error = Assert.Single(run.Lines, l => l.StartsWith($"ERROR {Slow}: ", StringComparison.Ordinal));
        Assert.StartsWith($"ERROR {Slow}: the CA had not answered the finalize request of order {SlowOrderUrl} after 3 s, the domain's \"domainTimeout\"",
            error, StringComparison.Ordinal);
        Assert.Single(ca.Handler.RequestsTo(HttpMethod.Post, SlowFinalizeUrl));
        AssertSlowFailedAndGoodIssued(profile, "had not answered the finalize request");
        await AssertNextRunTakesTheLockAsync(profile, ca);
    }

    [Fact]
    public async Task Deploy_hook_still_running_at_the_deadline_is_killed_and_stays_pending_without_backoff()
    {
        using var ca = new ScriptedCa(TimeProvider.System);
        using var profile = await ScriptedProfile.CreateAsync(Good);
        var hook = profile.PathOf("deploy-hangs");
        // The sleep is a grandchild of shaman: the whole tree must go.
        await File.WriteAllTextAsync(hook, "#!/bin/sh\nsleep 600 &\necho $! > deploy.pid\nwait\n");
        File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        profile.Update(c => c["deploy"] = hook);
        profile.UpdateDomain(Good, d => d["domainTimeout"] = 3);

        var run = (await profile.RunAsync(ca, TimeProvider.System)).Exited(1);

        var error = Assert.Single(run.Lines, l => l.StartsWith($"ERROR {Good}: ", StringComparison.Ordinal));
        Assert.StartsWith($"ERROR {Good}: the deploy step (hook or verify) had not finished after 3 s, the domain's \"domainTimeout\"", error, StringComparison.Ordinal);
        Assert.Contains("The certificate is in place; the deploy step runs again on the next run", error, StringComparison.Ordinal);
        var pid = int.Parse(File.ReadAllText(profile.PathOf("deploy.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(ProcessLiveness.IsGone(pid), $"the deploy hook's child {pid} was not killed");
        var good = profile.ReadDomain(Good);
        Assert.True(good["deployPending"]!.GetValue<bool>());
        // Issuing again would not help: like a failed deploy, no backoff.
        Assert.False(good.ContainsKey("failures"));
        Assert.StartsWith(ScriptedCa.CertificateUrlPrefix, good["certificate_id"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static void AssertSlowFailedAndGoodIssued(ScriptedProfile profile, string says)
    {
        var slow = profile.ReadDomain(Slow);
        Assert.Contains(says, slow["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("\"domainTimeout\"", slow["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, slow["failures"]!.GetValue<int>());
        // Not the CA's refusal: the order may still finish, and the next run continues it.
        Assert.Equal(SlowOrderUrl, slow["order_id"]!.GetValue<string>());
        Assert.StartsWith(ScriptedCa.CertificateUrlPrefix, profile.ReadDomain(Good)["certificate_id"]!.GetValue<string>(), StringComparison.Ordinal);
        using var leaf = profile.Leaf(Good);
        Assert.Contains(Good, CertificateNames.DnsNames(leaf));
    }

    /// <summary>The lock was released: the next run is not turned away (exit 75) but skips the failed domain.</summary>
    private static async Task AssertNextRunTakesTheLockAsync(ScriptedProfile profile, ScriptedCa ca)
    {
        var next = (await profile.RunAsync(ca, TimeProvider.System)).Exited(1);
        Assert.DoesNotContain("another shaman", next.Stderr, StringComparison.Ordinal);
        Assert.Contains(next.Lines, l => l.StartsWith($"WARNING {Slow}: skipped after 1 failed attempt", StringComparison.Ordinal)
                                         && l.Contains("\"domainTimeout\"", StringComparison.Ordinal));
    }

    /// <summary>A response body that never ends and never sends a byte: a CA that hangs in the middle of an answer.</summary>
    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return 0;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
