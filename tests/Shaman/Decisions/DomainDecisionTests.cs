using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>The one decision of what a domain does next: every recorded state (no certificate, an order, a certificate
/// current / due / unusable / due for an ARI question, and one found on disk but not recorded — adopted — current / due /
/// due for an ARI question) × backoff (none, the domain's, the run's, --force) × a deploy
/// owed by the certificate on disk (none, pending, not served). A pending deploy is owed behind every backoff: the
/// backoff holds ordering, never the certificate already on disk.</summary>
public sealed class DomainDecisionTests
{
    private static readonly DateTimeOffset Now = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private const string Order = "https://ca.example/order/1";
    private const string Certificate = "https://ca.example/cert/1";

    public static TheoryData<string, string, string, StepKind, bool> Table()
    {
        var table = new TheoryData<string, string, string, StepKind, bool>();
        foreach (var state in new[] { "new", "order", "current", "due", "ari due", "unusable", "adopted current", "adopted due", "adopted ari due" })
            foreach (var backoff in new[] { "none", "domain", "run", "forced" })
                foreach (var deploy in new[] { "none", "pending", "not served" })
                    table.Add(state, backoff, deploy, Expected(state, backoff), OwesDeploy(state, deploy));
        return table;
    }

    /// <summary>The rule the table states: a backoff waits unless forced; otherwise the state decides.</summary>
    private static StepKind Expected(string state, string backoff) =>
        backoff is "domain" or "run" ? StepKind.Wait : state switch
        {
            "new" => StepKind.NewOrder,
            "order" => StepKind.ContinueOrder,
            "current" or "adopted current" => StepKind.Nothing,
            "due" or "adopted due" => StepKind.Renew,
            "ari due" or "adopted ari due" => StepKind.AskAri,
            _ => StepKind.FetchCertificate,
        };

    /// <summary>A deploy is owed for a usable certificate on disk whose deploy is pending or that was not seen served.</summary>
    private static bool OwesDeploy(string state, string deploy) => deploy != "none" && state is not ("new" or "unusable");

    [Theory]
    [MemberData(nameof(Table))]
    public void Every_state_backoff_and_deploy_combination_decides_one_step(string state, string backoff, string deploy, StepKind kind, bool owesDeploy)
    {
        var failure = backoff is "domain" or "forced" ? new FailureRecord(1, Now.AddMinutes(-5), "validation failed", null) : FailureRecord.None;
        var record = DomainRecord.New with
        {
            KeyFile = "a.example.key.priv.pem",
            OrderId = state == "order" ? Order : null,
            CertificateId = state is "new" or "order" || state.StartsWith("adopted", StringComparison.Ordinal) ? null : Certificate,
            Failure = failure,
            DeployPending = deploy == "pending",
            ServedOk = deploy == "not served" ? false : true,
        };
        var options = new DecisionOptions(Force: backoff == "forced", RunHeldBack: backoff == "run", HasDeployProgram: true, HasVerify: true);

        var step = DomainDecision.Decide(record, Verdict(state), Now, options);

        Assert.Equal(kind, step.Kind);
        Assert.Equal(owesDeploy, step.Deploy);
        Assert.Equal(backoff == "domain" ? failure.BackoffUntil : null, step.WaitUntil);
    }

    [Fact]
    public void A_certificate_issued_in_this_run_is_not_reconsidered_even_when_its_renewal_window_says_due()
    {
        var record = DomainRecord.New with { KeyFile = "k", CertificateId = Certificate, DeployPending = true };

        var step = DomainDecision.Decide(record, Verdict("due"), Now, new DecisionOptions(IssuedThisRun: true, HasDeployProgram: true));

        Assert.Equal(StepKind.Nothing, step.Kind);
        Assert.True(step.Deploy);
    }

    [Fact]
    public void A_renewal_asked_for_renews_a_current_certificate_but_finishes_an_order_in_progress_first()
    {
        var current = DomainRecord.New with { KeyFile = "k", CertificateId = Certificate };
        Assert.Equal(StepKind.Renew, DomainDecision.Decide(current, Verdict("current"), Now, new DecisionOptions(RenewNow: true)).Kind);
        Assert.Equal(StepKind.ContinueOrder, DomainDecision.Decide(current with { OrderId = Order }, Verdict("current"), Now, new DecisionOptions(RenewNow: true)).Kind);
    }

    /// <summary>What `--renew` and `--revoke` pass for the domains they name (<see cref="DecisionOptions.Force"/> and
    /// <see cref="DecisionOptions.RenewNow"/>): whatever the backoff and the schedule, a certificate is replaced.</summary>
    [Theory]
    [InlineData("new", StepKind.NewOrder)]
    [InlineData("order", StepKind.ContinueOrder)]
    [InlineData("current", StepKind.Renew)]
    [InlineData("due", StepKind.Renew)]
    [InlineData("ari due", StepKind.Renew)]
    [InlineData("unusable", StepKind.Renew)]
    public void A_renewal_asked_for_is_not_held_back_by_the_domains_backoff(string state, StepKind kind)
    {
        var record = DomainRecord.New with
        {
            KeyFile = "k",
            OrderId = state == "order" ? Order : null,
            CertificateId = state is "new" or "order" ? null : Certificate,
            Failure = new FailureRecord(1, Now.AddMinutes(-5), "validation failed", null),
        };

        Assert.Equal(kind, DomainDecision.Decide(record, Verdict(state), Now, new DecisionOptions(Force: true, RenewNow: true)).Kind);
    }

    [Fact]
    public void A_backoff_that_has_run_out_holds_nothing_back()
    {
        var record = DomainRecord.New with { KeyFile = "k", Failure = new FailureRecord(1, Now.AddHours(-2), "validation failed", null) };

        Assert.Equal(StepKind.NewOrder, DomainDecision.Decide(record, Verdict("new"), Now, new DecisionOptions()).Kind);
    }

    [Fact]
    public void Without_a_deploy_program_a_pending_flag_owes_nothing_and_without_verify_neither_does_servedOk()
    {
        var record = DomainRecord.New with { KeyFile = "k", CertificateId = Certificate, DeployPending = true, ServedOk = false };

        Assert.False(DomainDecision.Decide(record, Verdict("current"), Now, new DecisionOptions()).Deploy);
        Assert.True(DomainDecision.Decide(record with { ServedOk = null }, Verdict("current"), Now, new DecisionOptions(HasVerify: true)).Deploy);
    }

    /// <summary>An adopted certificate, found beside its key with nothing recorded, is used until it is due, as a
    /// recorded one is; its renewal records what the order replaces (ARI) and then orders.</summary>
    [Fact]
    public void An_adopted_certificate_due_is_renewed_once_and_then_ordered_for()
    {
        var adopted = DomainRecord.New with { KeyFile = "k" };

        Assert.Equal(StepKind.Renew, DomainDecision.Decide(adopted, Verdict("adopted due"), Now, new DecisionOptions()).Kind);
        Assert.Equal(StepKind.NewOrder, DomainDecision.Decide(adopted with { Replaces = AriId }, Verdict("adopted due"), Now, new DecisionOptions()).Kind);
        var withoutAriId = Verdict("adopted due") with { Certificate = Facts(Now.AddDays(5)) with { AriCertificateId = null } };
        Assert.Equal(StepKind.NewOrder, DomainDecision.Decide(adopted, withoutAriId, Now, new DecisionOptions()).Kind);
    }

    /// <summary>After a renewal step (certificate_id forgotten, `replaces` recorded) the same file is being replaced, not
    /// adopted again: also when it is still current (--renew), and in a later run after a crash before the order.</summary>
    [Theory]
    [InlineData("adopted current", true)]
    [InlineData("adopted current", false)]
    [InlineData("adopted ari due", false)]
    [InlineData("adopted due", false)]
    public void A_certificate_whose_replacement_was_recorded_is_ordered_for_not_adopted(string state, bool renewNow)
    {
        var renewing = DomainRecord.New with { KeyFile = "k", Replaces = AriId };

        Assert.Equal(StepKind.NewOrder, DomainDecision.Decide(renewing, Verdict(state), Now, new DecisionOptions(RenewNow: renewNow)).Kind);
    }

    /// <summary>After `server` changed, the old CA's certificate serves until its replacement is issued, but is not
    /// adopted: that would keep, e.g., a staging certificate in place until it is due.</summary>
    [Fact]
    public void A_previous_servers_certificate_is_ordered_for_not_adopted()
    {
        var switched = DomainRecord.New with { KeyFile = "k", FromPreviousServer = true };

        Assert.Equal(StepKind.NewOrder, DomainDecision.Decide(switched, Verdict("adopted current"), Now, new DecisionOptions()).Kind);
    }

    [Fact]
    public void A_renewal_asked_for_an_adopted_certificate_records_what_it_replaces_first()
    {
        var adopted = DomainRecord.New with { KeyFile = "k" };

        Assert.Equal(StepKind.Renew, DomainDecision.Decide(adopted, Verdict("adopted current"), Now, new DecisionOptions(RenewNow: true)).Kind);
    }

    /// <summary>A key of another kind than P-384 (certbot's P-256 or RSA, adopted) serves its certificate, but every
    /// order is preceded by a new key; the certificate's schedule is unchanged.</summary>
    [Theory]
    [InlineData("adopted current", null, StepKind.Nothing)]
    [InlineData("adopted ari due", null, StepKind.AskAri)]
    [InlineData("adopted due", null, StepKind.Renew)]
    [InlineData("adopted due", AriId, StepKind.ReplaceKey)]
    [InlineData("new", null, StepKind.ReplaceKey)]
    [InlineData("order", null, StepKind.ContinueOrder)]
    public void A_key_that_is_not_P384_is_replaced_before_an_order_and_only_then(string state, string? replaces, StepKind kind)
    {
        var record = DomainRecord.New with { KeyFile = "k", OrderId = state == "order" ? Order : null, Replaces = replaces };
        var verdict = Verdict(state) with { KeyKind = "ECDSA P-256" };

        var step = DomainDecision.Decide(record, verdict, Now, new DecisionOptions());

        Assert.Equal(kind, step.Kind);
        if (kind == StepKind.ReplaceKey) Assert.Contains("ECDSA P-256", step.Reason, StringComparison.Ordinal);
    }

    private const string AriId = "aki.serial";

    private static CertificateFacts Facts(DateTimeOffset notAfter) =>
        new(Now.AddDays(-30), notAfter, [], new HashSet<string>(), new HashSet<System.Net.IPAddress>(), AriId);

    private static RenewalVerdict Verdict(string state)
    {
        var notAfter = Now.AddDays(state is "due" or "adopted due" ? 5 : 60);
        var timing = RenewalDecision.Decide(Now.AddDays(-30), notAfter, Now, renewalDays: 30);
        return state switch
        {
            "new" => new RenewalVerdict(CertificateStanding.Unusable, null, "is missing", null, AskCa: false),
            "unusable" => new RenewalVerdict(CertificateStanding.Unusable, null, "belongs to a different key than the domain's private key", null, AskCa: false),
            _ => new RenewalVerdict(timing.Renew ? CertificateStanding.Due : CertificateStanding.Current, Facts(notAfter), null, timing,
                AskCa: state.EndsWith("ari due", StringComparison.Ordinal)),
        };
    }

    [Fact]
    public void A_current_certificate_nobody_recorded_is_adopted_unless_it_is_self_issued()
    {
        var timing = RenewalDecision.Decide(Now.AddDays(-30), Now.AddDays(60), Now, renewalDays: 30);
        RenewalVerdict Current(bool selfIssued) => new(CertificateStanding.Current,
            new CertificateFacts(Now.AddDays(-30), Now.AddDays(60), [], new HashSet<string>(), new HashSet<System.Net.IPAddress>(), null) { SelfIssued = selfIssued },
            null, timing, AskCa: false);
        var record = DomainRecord.New with { KeyFile = "k" };

        Assert.Equal(StepKind.Nothing, DomainDecision.Decide(record, Current(selfIssued: false), Now, new DecisionOptions()).Kind);
        Assert.Equal(StepKind.NewOrder, DomainDecision.Decide(record, Current(selfIssued: true), Now, new DecisionOptions()).Kind);
    }
}
