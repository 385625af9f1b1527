using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Concorde.Acme.Crypto;
using Concorde.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>ACME Renewal Information (RFC 9773) decides renewal where the CA offers it: a random moment
/// inside the suggested window, kept while the window stays, asked again only after Retry-After, never for an
/// expired certificate; the renewing order carries `replaces`, and goes without it after alreadyReplaced.
/// In process against <see cref="ScriptedCa"/>: Pebble 2.4 serves no renewalInfo.</summary>
public sealed class ShamanAriTests
{
    private const string Name = "ari.example.com";
    private static readonly DateTimeOffset Now = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Window_in_the_future_records_a_random_moment_inside_it_and_checkAfter_from_Retry_After_and_renews_nothing()
    {
        // 30 days would renew in 50 days; the CA's window, earlier, decides.
        using var scenario = await CertificateOnFile.CreateAsync(Now.AddDays(-10), Now.AddDays(80), renewalDays: 30);
        var (ca, profile, id) = (scenario.Ca, scenario.Profile, scenario.Id);
        var (start, end) = (Now.AddDays(20), Now.AddDays(22));
        ca.SuggestWindow(id, start, end, TimeSpan.FromHours(7));
        var pem = File.ReadAllText(profile.CertificatePath(Name));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now), new Random(7))).Exited(0);

        Assert.Equal(1, ca.RenewalInfoRequests(id));
        Assert.Empty(ca.Posts);
        var info = profile.ReadDomain(Name)["renewalInfo"]!.AsObject();
        Assert.Equal(ScriptedCa.Format(start), info["windowStart"]!.GetValue<string>());
        Assert.Equal(ScriptedCa.Format(end), info["windowEnd"]!.GetValue<string>());
        Assert.Equal(Moment(start, end, seed: 7), info["renewAt"]!.GetValue<string>());
        var renewAt = DateTimeOffset.Parse(info["renewAt"]!.GetValue<string>());
        Assert.InRange(renewAt, start, end);
        Assert.Equal(ScriptedCa.Format(Now.AddHours(7)), info["checkAfter"]!.GetValue<string>());
        Assert.Equal($"{ScriptedCa.CertificateUrlPrefix}installed-{Name}", profile.ReadDomain(Name)["certificate_id"]!.GetValue<string>());
        Assert.Equal(pem, File.ReadAllText(profile.CertificatePath(Name)));
        Assert.Contains(run.Lines, l => l.StartsWith($"INFO {Name}: the CA suggests renewing between 2030-03-21 00:00 and 2030-03-23 00:00 UTC; planned for ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, 6 * 3600)]            // no Retry-After: six hours (§4.3.3's default)
    [InlineData(30, 6 * 3600)]              // implausibly short: the default instead
    [InlineData(7 * 3600, 7 * 3600)]
    [InlineData(30 * 86400, 86400)]         // §4.3.2: more than a day is treated as a day
    public async Task Next_question_to_the_CA_follows_Retry_After_within_sensible_limits(int? retryAfterSeconds, int recheckSeconds)
    {
        using var scenario = await CertificateOnFile.CreateAsync(Now.AddDays(-10), Now.AddDays(80));
        scenario.Ca.SuggestWindow(scenario.Id, Now.AddDays(20), Now.AddDays(22),
            retryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null);

        (await scenario.Profile.RunAsync(scenario.Ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        Assert.Equal(ScriptedCa.Format(Now.AddSeconds(recheckSeconds)),
            scenario.Profile.ReadDomain(Name)["renewalInfo"]!["checkAfter"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rerun_after_Retry_After_keeps_the_moment_of_an_unchanged_window_and_draws_a_new_one_when_it_moves()
    {
        using var scenario = await CertificateOnFile.CreateAsync(Now.AddDays(-10), Now.AddDays(80));
        var (ca, profile, id) = (scenario.Ca, scenario.Profile, scenario.Id);
        var (start, end) = (Now.AddDays(20), Now.AddDays(25));
        ca.SuggestWindow(id, start, end, TimeSpan.FromHours(6));
        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now), new Random(1))).Exited(0);
        var first = RenewAt(profile);

        // Another seed would draw another moment: the one on file must win while the window is the same.
        var later = Now.AddHours(6).AddMinutes(1);
        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(later), new Random(2))).Exited(0);

        Assert.Equal(2, ca.RenewalInfoRequests(id));
        Assert.Equal(Moment(start, end, seed: 1), first);
        Assert.NotEqual(Moment(start, end, seed: 2), first);
        Assert.Equal(first, RenewAt(profile));
        Assert.Equal(ScriptedCa.Format(later.AddHours(6)), profile.ReadDomain(Name)["renewalInfo"]!["checkAfter"]!.GetValue<string>());

        var (movedStart, movedEnd) = (Now.AddDays(10), Now.AddDays(11));
        ca.SuggestWindow(id, movedStart, movedEnd, TimeSpan.FromHours(6));
        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(later.AddHours(7)), new Random(3))).Exited(0);

        Assert.Equal(3, ca.RenewalInfoRequests(id));
        Assert.Equal(Moment(movedStart, movedEnd, seed: 3), RenewAt(profile));
        Assert.Empty(ca.Posts);
    }

    [Fact]
    public async Task Window_in_the_past_drops_the_certificate_records_replaces_and_the_next_order_carries_it()
    {
        // No `renewal` and 80 of 90 days left: the lifetime rule alone would wait; the CA's window says now.
        using var scenario = await CertificateOnFile.CreateAsync(Now.AddDays(-10), Now.AddDays(80));
        var (ca, profile, id, old) = (scenario.Ca, scenario.Profile, scenario.Id, scenario.Leaf);
        ca.SuggestWindow(id, Now.AddDays(-2), Now.AddDays(-1), TimeSpan.FromHours(6));
        // The first order is refused, so the state between decision and order stays on file to be read.
        ca.RefuseNextOrder(HttpStatusCode.Forbidden, "urn:ietf:params:acme:error:unauthorized", "scripted refusal");

        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        var domain = profile.ReadDomain(Name);
        Assert.False(domain.ContainsKey("certificate_id"), domain.ToJsonString());
        Assert.Equal(id, domain["replaces"]!.GetValue<string>());
        Assert.Equal(id, Assert.Single(ca.NewOrderPayloads).GetProperty("replaces").GetString());

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now.AddMinutes(5)), options: "--force")).Exited(0);

        Assert.Equal(2, ca.NewOrderPayloads.Count);
        Assert.Equal(id, ca.NewOrderPayloads[1].GetProperty("replaces").GetString());
        Assert.Equal(Name, ca.NewOrderPayloads[1].GetProperty("identifiers")[0].GetProperty("value").GetString());
        domain = profile.ReadDomain(Name);
        Assert.StartsWith(ScriptedCa.CertificateUrlPrefix, domain["certificate_id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("installed", domain["certificate_id"]!.GetValue<string>(), StringComparison.Ordinal);
        foreach (var gone in new[] { "replaces", "order_id", "failures", "lastFailure", "lastError" })
            Assert.False(domain.ContainsKey(gone), $"{gone} is left in {domain.ToJsonString()}");
        using var renewed = profile.Leaf(Name);
        Assert.NotEqual(old.SerialNumber, renewed.SerialNumber);
        Assert.Equal(old.PublicKey.EncodedKeyValue.RawData, renewed.PublicKey.EncodedKeyValue.RawData);
        // The new certificate's own window (the scripted CA suggests 60 to 62 days after issuing) is asked for at once.
        Assert.Equal(1, ca.RenewalInfoRequests(CertificateId.For(renewed)));
        Assert.Equal(ScriptedCa.Format(Now.AddDays(60)), domain["renewalInfo"]!["windowStart"]!.GetValue<string>());
        Assert.Contains(run.Lines, l => l.StartsWith($"INFO {Name}: got certificate ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AlreadyReplaced_is_answered_by_ordering_again_without_replaces()
    {
        using var scenario = await CertificateOnFile.CreateAsync(Now.AddDays(-10), Now.AddDays(80));
        var (ca, profile, id, old) = (scenario.Ca, scenario.Profile, scenario.Id, scenario.Leaf);
        ca.SuggestWindow(id, Now.AddDays(-2), Now.AddDays(-1));
        ca.RefuseNextOrder(HttpStatusCode.Conflict, "urn:ietf:params:acme:error:alreadyReplaced", "already replaced by another order");

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        var payloads = ca.NewOrderPayloads;
        Assert.Equal(2, payloads.Count);
        Assert.Equal(id, payloads[0].GetProperty("replaces").GetString());
        Assert.False(payloads[1].TryGetProperty("replaces", out _), payloads[1].GetRawText());
        Assert.Contains(run.Lines, l => l.Contains($"certificate {id} was already replaced; ordering without \"replaces\"", StringComparison.Ordinal));
        Assert.False(profile.ReadDomain(Name).ContainsKey("replaces"));
        using var renewed = profile.Leaf(Name);
        Assert.NotEqual(old.SerialNumber, renewed.SerialNumber);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, "urn:ietf:params:acme:error:malformed", "certificate to replace not found")]
    [InlineData(HttpStatusCode.Conflict, "urn:ietf:params:acme:error:conflict", "an order already replaces this certificate")]
    [InlineData(HttpStatusCode.Conflict, "urn:ietf:params:acme:error:serverInternal", "replacement already in progress")]
    public async Task Refused_replaces_is_answered_by_ordering_once_more_without_it(HttpStatusCode status, string type, string detail)
    {
        using var scenario = await CertificateOnFile.CreateAsync(Now.AddDays(-10), Now.AddDays(80));
        var (ca, profile, id, old) = (scenario.Ca, scenario.Profile, scenario.Id, scenario.Leaf);
        ca.SuggestWindow(id, Now.AddDays(-2), Now.AddDays(-1));
        ca.RefuseNextOrder(status, type, detail);

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        var payloads = ca.NewOrderPayloads;
        Assert.Equal(2, payloads.Count);
        Assert.Equal(id, payloads[0].GetProperty("replaces").GetString());
        Assert.False(payloads[1].TryGetProperty("replaces", out _), payloads[1].GetRawText());
        Assert.Contains(run.Lines, l => l.StartsWith($"INFO {Name}: the CA refused the order that replaces certificate {id} (", StringComparison.Ordinal) &&
                                        l.Contains(detail, StringComparison.Ordinal) && l.EndsWith("ordering once more without \"replaces\"", StringComparison.Ordinal));
        Assert.False(profile.ReadDomain(Name).ContainsKey("replaces"));
        using var renewed = profile.Leaf(Name);
        Assert.NotEqual(old.SerialNumber, renewed.SerialNumber);
    }

    [Fact]
    public async Task A_CA_that_refuses_the_order_without_replaces_too_fails_the_domain_after_one_retry()
    {
        using var scenario = await CertificateOnFile.CreateAsync(Now.AddDays(-10), Now.AddDays(80));
        var (ca, profile, id) = (scenario.Ca, scenario.Profile, scenario.Id);
        ca.SuggestWindow(id, Now.AddDays(-2), Now.AddDays(-1));
        for (var i = 0; i < 3; i++)
            ca.RefuseNextOrder(HttpStatusCode.BadRequest, "urn:ietf:params:acme:error:malformed", "scripted refusal " + i);

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        Assert.Equal(2, ca.NewOrderPayloads.Count);
        Assert.Single(run.Lines, l => l.Contains("ordering once more without \"replaces\"", StringComparison.Ordinal));
        var domain = profile.ReadDomain(Name);
        Assert.Equal(1, domain["failures"]!.GetValue<int>());
        Assert.Contains("scripted refusal 1", domain["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(domain.ContainsKey("order_id"), domain.ToJsonString());
    }

    [Fact]
    public async Task Expired_certificate_is_renewed_without_asking_for_its_renewal_information()
    {
        using var scenario = await CertificateOnFile.CreateAsync(Now.AddDays(-91), Now.AddDays(-1));
        var (ca, profile, id) = (scenario.Ca, scenario.Profile, scenario.Id);
        // Were shaman to ask, the answer would say "not yet": renewing proves it did not ask.
        ca.SuggestWindow(id, Now.AddDays(30), Now.AddDays(31));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        Assert.Equal(0, ca.RenewalInfoRequests(id));
        Assert.Single(ca.NewOrderPayloads);
        Assert.Contains(run.Lines, l => l.StartsWith($"INFO {Name}: certificate expired on ", StringComparison.Ordinal));
        using var renewed = profile.Leaf(Name);
        Assert.True(renewed.NotAfter.ToUniversalTime() > Now);
    }

    [Fact]
    public async Task CheckAfter_in_the_future_sends_no_request_at_all()
    {
        using var scenario = await CertificateOnFile.CreateAsync(Now.AddDays(-10), Now.AddDays(80), renewalDays: 30);
        var (ca, profile) = (scenario.Ca, scenario.Profile);
        SetRenewalInfo(profile, checkAfter: Now.AddHours(1), start: Now.AddDays(20), end: Now.AddDays(22), renewAt: Now.AddDays(21));
        var before = File.ReadAllText(profile.PathOf(ProfileSettings.FileName));

        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        Assert.Empty(ca.Handler.Requests);
        Assert.Equal(before, File.ReadAllText(profile.PathOf(ProfileSettings.FileName)));
    }

    [Fact]
    public async Task Recorded_moment_that_has_come_renews_without_asking_again_before_checkAfter()
    {
        using var scenario = await CertificateOnFile.CreateAsync(Now.AddDays(-10), Now.AddDays(80));
        var (ca, profile, id) = (scenario.Ca, scenario.Profile, scenario.Id);
        SetRenewalInfo(profile, checkAfter: Now.AddHours(1), start: Now.AddDays(-1), end: Now.AddDays(1), renewAt: Now.AddMinutes(-1));

        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        Assert.Equal(0, ca.RenewalInfoRequests(id));
        Assert.Equal(id, Assert.Single(ca.NewOrderPayloads).GetProperty("replaces").GetString());
    }

    [Fact]
    public async Task Unavailable_renewal_information_falls_back_to_the_renewal_days_and_asks_again_in_an_hour()
    {
        using var scenario = await CertificateOnFile.CreateAsync(Now.AddDays(-10), Now.AddDays(80), renewalDays: 30);
        var (ca, profile, id) = (scenario.Ca, scenario.Profile, scenario.Id);
        ca.Handler.Always(HttpMethod.Get, ScriptedCa.RenewalInfoUrl(id), _ =>
            ScriptedHandler.Problem(HttpStatusCode.NotFound, "urn:ietf:params:acme:error:malformed", "no such certificate"));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        Assert.Contains(run.Lines, l => l.StartsWith($"WARNING {Name}: renewal information (ARI) unavailable", StringComparison.Ordinal));
        Assert.Equal(ScriptedCa.Format(Now.AddHours(1)), profile.ReadDomain(Name)["renewalInfo"]!["checkAfter"]!.GetValue<string>());
        Assert.Empty(ca.Posts);
    }

    [Fact]
    public async Task Certificate_without_renewal_information_as_the_python_tool_leaves_it_is_asked_about_once_then_runs_send_nothing()
    {
        using var scenario = await CertificateOnFile.CreateAsync(Now.AddDays(-10), Now.AddDays(80), migrated: true);
        var (ca, profile, id) = (scenario.Ca, scenario.Profile, scenario.Id);
        var (start, end) = (Now.AddDays(20), Now.AddDays(22));
        ca.SuggestWindow(id, start, end, TimeSpan.FromHours(7));

        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now), new Random(7))).Exited(0);

        Assert.Equal(1, ca.RenewalInfoRequests(id));
        Assert.Empty(ca.Posts);
        var recorded = new JsonObject
        {
            ["checkAfter"] = ScriptedCa.Format(Now.AddHours(7)),
            ["windowStart"] = ScriptedCa.Format(start),
            ["windowEnd"] = ScriptedCa.Format(end),
            ["renewAt"] = Moment(start, end, seed: 7),
        };
        Assert.True(JsonNode.DeepEquals(recorded, profile.ReadDomain(Name)["renewalInfo"]), profile.ReadDomain(Name).ToJsonString());
        var requests = ca.Handler.Requests.Count;
        var before = File.ReadAllText(profile.PathOf(ProfileSettings.FileName));

        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now), new Random(8))).Exited(0);

        Assert.Equal(requests, ca.Handler.Requests.Count);
        Assert.Equal(before, File.ReadAllText(profile.PathOf(ProfileSettings.FileName)));
    }

    [Fact]
    public async Task Certificate_without_renewal_information_whose_window_has_come_is_renewed_in_the_same_run()
    {
        // 80 of 90 days left: the lifetime rule alone would wait two months; the CA says now (e.g. a mass revocation).
        using var scenario = await CertificateOnFile.CreateAsync(Now.AddDays(-10), Now.AddDays(80), migrated: true);
        var (ca, profile, id, old) = (scenario.Ca, scenario.Profile, scenario.Id, scenario.Leaf);
        ca.SuggestWindow(id, Now.AddDays(-2), Now.AddDays(-1));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        Assert.Equal(1, ca.RenewalInfoRequests(id));
        Assert.Equal(id, Assert.Single(ca.NewOrderPayloads).GetProperty("replaces").GetString());
        using var renewed = profile.Leaf(Name);
        Assert.NotEqual(old.SerialNumber, renewed.SerialNumber);
        Assert.Contains(run.Lines, l => l.StartsWith($"INFO {Name}: got certificate ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Unreachable_CA_when_renewal_information_is_due_leaves_the_certificate_current_with_a_warning(bool migrated)
    {
        using var scenario = await CertificateOnFile.CreateAsync(Now.AddDays(-10), Now.AddDays(80), migrated);
        var (ca, profile, id) = (scenario.Ca, scenario.Profile, scenario.Id);
        if (!migrated)
            SetRenewalInfo(profile, checkAfter: Now.AddHours(-1), start: Now.AddDays(20), end: Now.AddDays(22), renewAt: Now.AddDays(21));
        ca.Handler.Always(HttpMethod.Get, ScriptedAcme.DirectoryUrl, _ => throw new HttpRequestException("Connection refused (127.0.0.1:9)"));
        var time = new AutoAdvancingTimeProvider(Now);

        var run = (await profile.RunAsync(ca, time)).Exited(0);

        var warning = Assert.Single(run.Lines, l => l.StartsWith("WARNING ", StringComparison.Ordinal));
        Assert.StartsWith($"WARNING {Name}: renewal information (ARI) unavailable: ", warning, StringComparison.Ordinal);
        Assert.EndsWith("; asking again in an hour", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Lines, l => l.StartsWith("ERROR ", StringComparison.Ordinal));
        Assert.Equal(0, ca.RenewalInfoRequests(id));
        var domain = profile.ReadDomain(Name);
        foreach (var absent in new[] { "failures", "lastFailure", "lastError" })
            Assert.False(domain.ContainsKey(absent), domain.ToJsonString());
        Assert.Equal($"{ScriptedCa.CertificateUrlPrefix}installed-{Name}", domain["certificate_id"]!.GetValue<string>());
        // The client's retries advanced the clock; an hour after the run's end.
        Assert.Equal(ScriptedCa.Format(time.GetUtcNow().AddHours(1)), domain["renewalInfo"]!["checkAfter"]!.GetValue<string>());
        // A recorded window survives the failed question.
        Assert.Equal(migrated ? null : ScriptedCa.Format(Now.AddDays(21)), domain["renewalInfo"]!["renewAt"]?.GetValue<string>());
    }

    /// <summary>A scripted CA and a profile holding one certificate of <see cref="Name"/>, whose renewal information
    /// was last asked for an hour ago (so a run asks again unless a test says otherwise), or, when
    /// <c>migrated</c>, never: as the Python tool leaves a profile, with no renewalInfo at all.</summary>
    private sealed class CertificateOnFile : IDisposable
    {
        private CertificateOnFile(ScriptedCa ca, ScriptedProfile profile, X509Certificate2 leaf)
        {
            (Ca, Profile, Leaf) = (ca, profile, leaf);
            Id = CertificateId.For(leaf);
        }

        public ScriptedCa Ca { get; }
        public ScriptedProfile Profile { get; }
        public X509Certificate2 Leaf { get; }
        /// <summary>Its ARI certificate ID (RFC 9773 §4.1).</summary>
        public string Id { get; }

        public static async Task<CertificateOnFile> CreateAsync(DateTimeOffset notBefore, DateTimeOffset notAfter, bool migrated = false,
            double? renewalDays = null)
        {
            var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
            var profile = await ScriptedProfile.CreateAsync(Name);
            if (renewalDays is { } days) profile.Update(c => c["renewal"] = days);
            var leaf = profile.InstallCertificate(Name, ca.Authority, notBefore, notAfter);
            if (!migrated)
                profile.UpdateDomain(Name, d => d["renewalInfo"] = new JsonObject { ["checkAfter"] = ScriptedCa.Format(Now.AddHours(-1)) });
            return new CertificateOnFile(ca, profile, leaf);
        }

        public void Dispose()
        {
            Leaf.Dispose();
            Profile.Dispose();
            Ca.Dispose();
        }
    }

    private static void SetRenewalInfo(ScriptedProfile profile, DateTimeOffset checkAfter, DateTimeOffset start, DateTimeOffset end, DateTimeOffset renewAt) =>
        profile.UpdateDomain(Name, d => d["renewalInfo"] = new JsonObject
        {
            ["checkAfter"] = ScriptedCa.Format(checkAfter),
            ["windowStart"] = ScriptedCa.Format(start),
            ["windowEnd"] = ScriptedCa.Format(end),
            ["renewAt"] = ScriptedCa.Format(renewAt),
        });

    private static string RenewAt(ScriptedProfile profile) => profile.ReadDomain(Name)["renewalInfo"]!["renewAt"]!.GetValue<string>();

    /// <summary>The moment RFC 9773 §4.2 asks for: uniform in the window, drawn from a Random with this seed.</summary>
    private static string Moment(DateTimeOffset start, DateTimeOffset end, int seed) =>
        ScriptedCa.Format(start + (end - start) * new Random(seed).NextDouble());
}
