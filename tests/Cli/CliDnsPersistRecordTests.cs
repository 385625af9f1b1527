using System.Net;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Cli;

/// <summary>`concorde dns-persist-record`: the exact record of draft-ietf-acme-dns-persist, with the issuer names
/// given or taken from a scripted directory's caaIdentities (no CA here offers dns-persist-01).</summary>
public sealed class CliDnsPersistRecordTests
{
    private const string Account = "https://127.0.0.1/acme/acct/1";

    [Fact]
    public async Task Prints_the_name_and_one_value_per_issuer_with_wildcard_policy_and_persist_until()
    {
        var (exit, output, error) = await InProcessCli.RunOfflineAsync("dns-persist-record", ScriptedAcme.DirectoryUrl, Account, "example.org",
            "--wildcard", "--persist-until", "2027-06-01", "--issuer", "ca.test", "--issuer", "ca.example");

        Assert.True(exit == 0, error);
        var until = new DateTimeOffset(2027, 6, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        Assert.Equal(
            [
                "TXT record name: _validation-persist.example.org",
                $"TXT record value: \"ca.test; accounturi={Account}; policy=wildcard; persistUntil={until}\"",
                $"TXT record value: \"ca.example; accounturi={Account}; policy=wildcard; persistUntil={until}\"",
            ], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Without_issuer_the_directorys_caa_identities_are_used()
    {
        using var handler = new ScriptedHandler().Always(HttpMethod.Get, ScriptedAcme.DirectoryUrl, _ => ScriptedHandler.Json(HttpStatusCode.OK,
            ScriptedAcme.Directory().Replace("\"meta\": {", "\"meta\": { \"caaIdentities\": [\"letsencrypt.test\"],", StringComparison.Ordinal)));

        var (exit, output, error) = await InProcessCli.RunAsync(_ => new HttpClient(handler, disposeHandler: false),
            "dns-persist-record", ScriptedAcme.DirectoryUrl, Account, "www.example.org");

        Assert.True(exit == 0, error);
        Assert.Equal(["TXT record name: _validation-persist.www.example.org", $"TXT record value: \"letsencrypt.test; accounturi={Account}\""],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_directory_without_caa_identities_asks_for_issuer()
    {
        using var handler = ScriptedAcme.CreateHandler();

        var (exit, _, error) = await InProcessCli.RunAsync(_ => new HttpClient(handler, disposeHandler: false),
            "dns-persist-record", ScriptedAcme.DirectoryUrl, Account, "www.example.org");

        Assert.Equal(1, exit);
        Assert.Contains("names no usable caaIdentities in its directory; pass --issuer <name>", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wildcard_takes_no_value_and_a_bad_time_is_a_usage_error()
    {
        var (exit, _, error) = await InProcessCli.RunOfflineAsync("dns-persist-record", ScriptedAcme.DirectoryUrl, Account, "example.org",
            "--issuer", "ca.test", "--persist-until", "soon");

        Assert.Equal(2, exit);
        Assert.Contains("--persist-until: 'soon' is not a date or time", error, StringComparison.Ordinal);
    }
}
