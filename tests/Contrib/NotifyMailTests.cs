using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Contrib;

/// <summary>contrib/notify/mail as shaman's "notify" program, through a real sendmail(8) interface (msmtp) to a real
/// SMTP server on loopback (<see cref="SmtpSink"/>).</summary>
public sealed class NotifyMailTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    private const string Recipient = "hostmaster@example.com";

    [Fact]
    public async Task Shaman_mails_a_failing_domain_and_the_summary_through_msmtp()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        await using var smtp = await SmtpSink.StartAsync(ct);
        using var profile = new ShamanProfile(pebble.Server);
        var broken = ShamanProfile.UniqueName("notify-mail");
        var config = profile.Config(Challenge.Http01, ShamanProfile.Failing, broken);
        config["notify"] = ContribScript.NotifyMail;
        profile.Write(config);

        var run = (await profile.RunAsync(MailSettings(smtp.Home))).Exited(1);

        Assert.Contains($"INFO notified a failure with {ContribScript.NotifyMail}", run.Lines);
        var mail = Assert.Single(smtp.Messages());
        var (headers, body) = (mail[..mail.IndexOf("\n\n", StringComparison.Ordinal)], mail[(mail.IndexOf("\n\n", StringComparison.Ordinal) + 2)..]);
        Assert.Contains($"To: {Recipient}", headers.Split('\n'));
        Assert.Contains($"X-RcptTo: {Recipient}", headers.Split('\n'));
        Assert.Contains(headers.Split('\n'), h => h.StartsWith("Subject: shaman failure on ", StringComparison.Ordinal) && h.EndsWith(profile.Directory, StringComparison.Ordinal));
        Assert.Contains($"Failing:   {broken}", body.Split('\n'));
        Assert.Contains("Not served: none", body.Split('\n'));
        Assert.Contains("Recovered: none", body.Split('\n'));
        foreach (var line in run.ErrorLines) Assert.Contains(line, body.Split('\n'));
    }

    [Fact]
    public async Task A_mail_no_server_takes_fails_naming_sendmail()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        // msmtp configured for a loopback port nobody listens on.
        using var home = new TempDirectory("concorde-smtp-gone-");
        var msmtprc = home.Combine(".msmtprc");
        File.WriteAllText(msmtprc, $"account default\nhost 127.0.0.1\nport {FreePorts.GetTcpPort()}\nfrom shaman@localhost\n");
        File.SetUnixFileMode(msmtprc, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var environment = new Dictionary<string, string>(MailSettings(home.Path))
        {
            ["CONCORDE_EVENT"] = "failure",
            ["CONCORDE_PROFILE"] = "/etc/shaman/example",
            ["CONCORDE_FAILED_DOMAINS"] = "example.com",
        };

        var run = await ContribScript.RunAsync(ContribScript.NotifyMail, "ERROR example.com: refused\n", environment, ct);

        run.FailedNaming($"msmtp failed to take the mail for {Recipient}");
    }

    /// <summary>What the administrator sets for the mail program: msmtp as sendmail, configured in HOME, and the recipient.</summary>
    private static Dictionary<string, string> MailSettings(string home) => new()
    {
        ["HOME"] = home,
        ["SENDMAIL"] = ContribScript.Locate("msmtp", "msmtp"),
        ["NOTIFY_MAIL_TO"] = Recipient,
    };
}
