using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Concorde.Acme.Crypto;
using Concorde.Acme.Wire;
using Concorde.Shaman;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>The decision table of <see cref="RenewalCheck"/>: every row from the certificate file, the domain's key,
/// its names, the `renewal` setting, the recorded renewal information and the time.</summary>
public sealed class RenewalCheckTests : IDisposable
{
    private static readonly DateTimeOffset Issued = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Expires = Issued.AddDays(90);
    private static readonly Identifier[] Names = [Identifier.ForDns("a.test"), Identifier.ForDns("www.a.test"), Identifier.ForIp(IPAddress.Parse("127.0.0.5"))];
    /// <summary>Renewal information asked for recently enough: not due again.</summary>
    private static RenewalInfoRecord Asked(DateTimeOffset now, AriSchedule? schedule = null) => new(schedule, now.AddHours(1));

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private readonly ECDsa _issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);

    public void Dispose()
    {
        _key.Dispose();
        _issuerKey.Dispose();
    }

    private byte[] KeyInfo => _key.ExportSubjectPublicKeyInfo();

    private CertificateFacts Facts(IEnumerable<string>? dnsNames = null, ECDsa? subjectKey = null, DateTimeOffset? notAfter = null)
    {
        var (facts, problem) = CertificateFacts.Read(Pem(dnsNames ?? ["a.test", "www.a.test"], subjectKey ?? _key, notAfter ?? Expires, [0x42]));
        Assert.Null(problem);
        return facts!;
    }

    private string Pem(IEnumerable<string> dnsNames, ECDsa subjectKey, DateTimeOffset notAfter, byte[] serial)
    {
        var request = new CertificateRequest("CN=leaf", subjectKey, HashAlgorithmName.SHA384);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames) san.AddDnsName(name);
        san.AddIpAddress(IPAddress.Parse("127.0.0.5"));
        request.CertificateExtensions.Add(san.Build());
        var issuerRequest = new CertificateRequest("CN=issuer", _issuerKey, HashAlgorithmName.SHA384);
        issuerRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        issuerRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(issuerRequest.PublicKey, false));
        using var issuer = issuerRequest.CreateSelfSigned(Issued.AddDays(-1), Expires.AddDays(400));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var leaf = request.Create(issuer, Issued, notAfter, serial);
        return leaf.ExportCertificatePem() + "\n";
    }

    private RenewalVerdict Evaluate(CertificateFacts? facts, DateTimeOffset now, double? renewalDays = null, RenewalInfoRecord? info = null,
        string? problem = null, byte[]? keyInfo = null) =>
        RenewalCheck.Evaluate(facts, problem, keyInfo ?? KeyInfo, Names, renewalDays, info ?? Asked(now), now);

    [Fact]
    public void No_certificate_file_is_unusable_and_says_so()
    {
        var (facts, problem) = CertificateFacts.Read(null);

        var verdict = Evaluate(facts, Issued, problem: problem);

        Assert.Equal(CertificateStanding.Unusable, verdict.Standing);
        Assert.Equal("is missing", verdict.Problem);
        Assert.False(verdict.IsCurrentWithoutAsking);
    }

    [Theory]
    [InlineData("not a certificate", "holds no PEM certificate")]
    [InlineData("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "holds an unreadable certificate (number 1 of its chain)")]
    public void Unreadable_certificate_file_is_unusable(string pem, string expected)
    {
        var (facts, problem) = CertificateFacts.Read(pem);

        var verdict = Evaluate(facts, Issued, problem: problem);

        Assert.Equal(CertificateStanding.Unusable, verdict.Standing);
        Assert.Equal(expected, verdict.Problem);
    }

    [Fact]
    public void Certificate_of_another_key_is_unusable()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        var verdict = Evaluate(Facts(subjectKey: other), Issued.AddDays(1));

        Assert.Equal(CertificateStanding.Unusable, verdict.Standing);
        Assert.Equal("belongs to a different key than the domain's private key", verdict.Problem);
    }

    [Fact]
    public void Certificate_without_the_domains_key_known_is_unusable()
    {
        var verdict = RenewalCheck.Evaluate(Facts(), null, null, Names, null, Asked(Issued), Issued.AddDays(1));

        Assert.Equal(CertificateStanding.Unusable, verdict.Standing);
        Assert.Equal("cannot be checked without the domain's key", verdict.Problem);
    }

    [Fact]
    public void Certificate_missing_a_name_is_unusable_and_names_it()
    {
        var verdict = Evaluate(Facts(dnsNames: ["a.test"]), Issued.AddDays(1));

        Assert.Equal(CertificateStanding.Unusable, verdict.Standing);
        Assert.Equal("does not cover www.a.test", verdict.Problem);
    }

    [Fact]
    public void Names_compare_without_case()
    {
        var verdict = Evaluate(Facts(dnsNames: ["A.TEST", "Www.A.Test"]), Issued.AddDays(1));

        Assert.Equal(CertificateStanding.Current, verdict.Standing);
    }

    [Theory]
    [InlineData(59.9, CertificateStanding.Current)]
    [InlineData(60.1, CertificateStanding.Due)]
    public void Renewal_days_decide_without_ari(double ageDays, CertificateStanding expected)
    {
        var verdict = Evaluate(Facts(), Issued.AddDays(ageDays), renewalDays: 30);

        Assert.Equal(expected, verdict.Standing);
        Assert.Equal(Expires.AddDays(-30), verdict.Timing!.RenewAt);
    }

    [Theory]
    [InlineData(90, 59.9, CertificateStanding.Current)] // a third of the lifetime left at day 60
    [InlineData(90, 60.1, CertificateStanding.Due)]
    [InlineData(6, 2.9, CertificateStanding.Current)]   // under ten days: half at day 3
    [InlineData(6, 3.1, CertificateStanding.Due)]
    public void Without_renewal_days_a_third_or_for_short_lifetimes_half_of_the_lifetime_is_left(double lifetimeDays, double ageDays,
        CertificateStanding expected)
    {
        var verdict = Evaluate(Facts(notAfter: Issued.AddDays(lifetimeDays)), Issued.AddDays(ageDays));

        Assert.Equal(expected, verdict.Standing);
    }

    [Theory]
    [InlineData(44.9, CertificateStanding.Current)]
    [InlineData(45.1, CertificateStanding.Due)]
    public void Ari_window_decides_when_it_is_earlier_than_renewal_days(double ageDays, CertificateStanding expected)
    {
        var now = Issued.AddDays(ageDays);
        var schedule = new AriSchedule(Issued.AddDays(40), Issued.AddDays(50), Issued.AddDays(45));

        var verdict = Evaluate(Facts(), now, renewalDays: 30, info: Asked(now, schedule));

        Assert.Equal(expected, verdict.Standing);
        Assert.Equal(schedule.RenewAt, verdict.Timing!.RenewAt);
    }

    [Fact]
    public void Expired_certificate_is_due_whatever_the_window_says_and_the_ca_is_not_asked()
    {
        var now = Expires.AddMinutes(1);
        var schedule = new AriSchedule(Expires.AddDays(1), Expires.AddDays(2), Expires.AddDays(1.5));

        var verdict = Evaluate(Facts(), now, info: new RenewalInfoRecord(schedule, now.AddDays(-1)));

        Assert.Equal(CertificateStanding.Due, verdict.Standing);
        Assert.False(verdict.AskCa);
        Assert.StartsWith("expired on", verdict.Timing!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Ari_is_asked_when_the_time_to_ask_again_has_passed_or_was_never_recorded()
    {
        var now = Issued.AddDays(10);
        var facts = Facts();

        var due = RenewalCheck.Evaluate(facts, null, KeyInfo, Names, null, new RenewalInfoRecord(null, now.AddSeconds(-1)), now);
        var never = RenewalCheck.Evaluate(facts, null, KeyInfo, Names, null, null, now);
        var notYet = RenewalCheck.Evaluate(facts, null, KeyInfo, Names, null, new RenewalInfoRecord(null, now.AddSeconds(1)), now);

        Assert.True(due.AskCa);
        Assert.True(never.AskCa);
        Assert.False(notYet.AskCa);
        Assert.Equal(CertificateStanding.Current, due.Standing);
        Assert.False(due.IsCurrentWithoutAsking);
        Assert.True(notYet.IsCurrentWithoutAsking);
    }

    [Fact]
    public void Certificate_facts_carry_the_same_ari_identifier_as_the_x509_reader()
    {
        // A serial with its top bit set is stored with a leading zero octet, which the identifier keeps.
        var pem = Pem(["a.test"], _key, Expires, [0x80, 0x01, 0x02]);
        using var certificate = X509Certificate2.CreateFromPem(pem);

        var (facts, _) = CertificateFacts.Read(pem);

        Assert.Equal(CertificateId.For(certificate), facts!.AriCertificateId);
        Assert.Contains(IPAddress.Parse("127.0.0.5"), facts.IpAddresses);
        Assert.Equal(Expires, facts.NotAfter);
    }

    [Theory]
    [InlineData(null, 6)]
    [InlineData(30, 6)]          // seconds: too short to honour, the default applies
    [InlineData(7200, 2)]
    [InlineData(3 * 86400, 24)]  // RFC 9773 §4.3.2: longer than a day counts as a day
    public void Ari_recheck_interval_follows_the_cas_retry_after_within_limits(int? retryAfterSeconds, double expectedHours)
    {
        var interval = AriRecheck.After(retryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null);

        Assert.Equal(TimeSpan.FromHours(expectedHours), interval);
    }
}
