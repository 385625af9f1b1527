using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Cli;

/// <summary>Accounts, authorizations and the server-only commands, through the published binary.</summary>
public sealed class CliAccountTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>, IDisposable
{
    private readonly ManualConcorde admin = new(pebble.Server);

    public void Dispose() => admin.Dispose();

    [Fact]
    public async Task Unreg_status_finds_the_account_of_a_key_and_fails_for_a_key_without_one()
    {
        var ct = admin.Deadline;
        var account = await admin.CreateAccountAsync(ct);

        var found = (await admin.RunAsync(ct, "unreg", account.KeyPath, admin.Directory, "status")).Succeeded();
        Assert.Equal(account.Url, found.Header("Account"));

        var stranger = await admin.CreateKeyAsync("stranger.key", ct);
        var missing = (await admin.RunAsync(ct, "unreg", stranger, admin.Directory, "status")).Failed(1);
        Assert.Contains("concorde: error: urn:ietf:params:acme:error:accountDoesNotExist", missing.Stderr, StringComparison.Ordinal);
        Assert.Empty(missing.Stdout);
    }

    [Fact]
    public async Task Unreg_create_again_prints_the_existing_account_and_says_the_contact_was_not_applied()
    {
        var ct = admin.Deadline;
        var account = await admin.CreateAccountAsync(ct, "--contact", "first@example.com");

        var again = (await admin.RunAsync(ct, "unreg", account.KeyPath, admin.Directory, "create", "--contact", "second@example.com")).Succeeded();

        Assert.Equal(account.Url, again.Header("Account"));
        Assert.Equal(["mailto:first@example.com"], again.Json().GetProperty("contact").EnumerateArray().Select(c => c.GetString()));
        Assert.Contains($"concorde: an account already exists for this key: {account.Url}; it is printed unchanged\n", again.Stderr, StringComparison.Ordinal);
        Assert.Contains($"--contact was not applied; to replace the contacts: concorde reg {account.KeyPath} {account.Url} {admin.Directory} acct update",
            again.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("terms of service", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reg_with_another_accounts_key_names_the_request_and_asks_whether_it_is_the_accounts_key()
    {
        var ct = admin.Deadline;
        var first = await admin.CreateAccountAsync(ct);
        var second = await admin.CreateAccountAsync(ct);

        var mixed = (await admin.RegAsync(first with { KeyPath = second.KeyPath }, ct, "acct", "status")).Failed(1);

        Assert.Contains($"[POST {first.Url}]\n", mixed.Stderr, StringComparison.Ordinal);
        Assert.EndsWith($"concorde: is {second.KeyPath} the key of account {first.Url}? " +
                        $"(`concorde unreg {second.KeyPath} {admin.Directory} status` finds the account of a key)\n", mixed.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reg_with_the_server_and_account_swapped_names_the_request_and_asks_for_the_directory_url()
    {
        var ct = admin.Deadline;
        var account = await admin.CreateAccountAsync(ct);

        var swapped = (await admin.RunAsync(ct, "reg", account.KeyPath, admin.Directory, account.Url.AbsoluteUri, "acct", "status")).Failed(1);

        Assert.StartsWith("concorde: error: urn:ietf:params:acme:error:", swapped.Stderr, StringComparison.Ordinal);
        Assert.Contains($" [GET {account.Url}]\n", swapped.Stderr, StringComparison.Ordinal);
        Assert.EndsWith($"concorde: is {account.Url} the ACME directory URL? `reg` takes <key> <account id> <server>, in that order\n",
            swapped.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acct_update_replaces_the_contacts_and_acct_status_shows_them()
    {
        var ct = admin.Deadline;
        var account = await admin.CreateAccountAsync(ct, "--contact", "first@example.com");

        var updated = (await admin.RegAsync(account, ct, "acct", "update", "--contact", "ops@example.com", "--contact", "mailto:dev@example.com")).Succeeded();
        Assert.Equal(account.Url, updated.Header("Account"));

        var status = (await admin.RegAsync(account, ct, "acct", "status")).Succeeded();
        Assert.Equal(account.Url, status.Header("Account"));
        Assert.Equal(new[] { "mailto:ops@example.com", "mailto:dev@example.com" },
            status.Json().GetProperty("contact").EnumerateArray().Select(c => c.GetString()!).ToArray());
    }

    [Fact]
    public async Task Acct_key_change_moves_the_account_to_the_new_key()
    {
        var ct = admin.Deadline;
        var account = await admin.CreateAccountAsync(ct);
        var newKey = await admin.CreateKeyAsync("account-2.key", ct);

        var changed = (await admin.RegAsync(account, ct, "acct", "key-change", newKey)).Succeeded();
        Assert.Equal(account.Url, changed.Header("Account"));

        (await admin.RegAsync(account with { KeyPath = newKey }, ct, "acct", "status")).Succeeded();
        var found = (await admin.RunAsync(ct, "unreg", newKey, admin.Directory, "status")).Succeeded();
        Assert.Equal(account.Url, found.Header("Account"));
        var oldKey = (await admin.RegAsync(account, ct, "acct", "status")).Failed(1);
        Assert.Contains("concorde: error: urn:ietf:params:acme:error:", oldKey.Stderr, StringComparison.Ordinal);
        var sameKey = (await admin.RegAsync(account with { KeyPath = newKey }, ct, "acct", "key-change", newKey)).Failed(1);
        Assert.Contains("is the account's current key", sameKey.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acct_deactivate_ends_the_account()
    {
        var ct = admin.Deadline;
        var account = await admin.CreateAccountAsync(ct);

        var deactivated = (await admin.RegAsync(account, ct, "acct", "deactivate")).Succeeded();
        Assert.Equal("deactivated", deactivated.Json().GetProperty("status").GetString());

        var after = (await admin.RegAsync(account, ct, "order", "create", $"dns|{ManualConcorde.UniqueName()}")).Failed(1);
        Assert.Contains("urn:ietf:params:acme:error:unauthorized", after.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authz_deactivate_gives_up_an_authorization_and_authz_status_shows_it()
    {
        var ct = admin.Deadline;
        var account = await admin.CreateAccountAsync(ct);
        var (order, authz) = await admin.OrderOneNameAsync(account, ct);
        var authorization = authz.Header("Authorization");

        var deactivated = (await admin.RegAsync(account, ct, "authz", authorization.AbsoluteUri, "deactivate")).Succeeded();
        Assert.Equal(authorization, deactivated.Header("Authorization"));
        Assert.Equal("deactivated", deactivated.Json().GetProperty("status").GetString());

        var status = (await admin.RegAsync(account, ct, "authz", authorization.AbsoluteUri, "status")).Succeeded();
        Assert.Equal("deactivated", status.Json().GetProperty("status").GetString());
        var pastTheEnd = (await admin.RegAsync(account, ct, "order", "get-authz", order.AbsoluteUri, "1")).Failed(1);
        Assert.Contains("has 1 authorization; <index> must be 0 to 0, not 1", pastTheEnd.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Challenge_validate_prints_the_failed_challenge_and_the_problem()
    {
        var ct = admin.Deadline;
        var account = await admin.CreateAccountAsync(ct);
        var (_, authorization) = await admin.OrderOneNameAsync(account, ct);
        var challenge = ManualConcorde.ChallengeUrl(authorization.Json(), "dns-01");

        // Nothing published: the server looks for the TXT record and finds none.
        var failed = (await admin.RegAsync(account, ct, "challenge", challenge.AbsoluteUri, "validate")).Failed(1);

        Assert.Equal(challenge, failed.Header("Challenge"));
        Assert.Equal("invalid", failed.Json().GetProperty("status").GetString());
        Assert.Contains("concorde: error: urn:ietf:params:acme:error:", failed.Stderr, StringComparison.Ordinal);
        var status = (await admin.RegAsync(account, ct, "challenge", challenge.AbsoluteUri, "status")).Succeeded();
        Assert.Equal("invalid", status.Json().GetProperty("status").GetString());
    }

    [Fact]
    public async Task Directory_prints_the_servers_directory()
    {
        var ct = admin.Deadline;

        var directory = (await admin.RunAsync(ct, "directory", admin.Directory)).Succeeded();

        Assert.Equal(pebble.Server.DirectoryUrl, directory.Header("Directory"));
        Assert.StartsWith("https://127.0.0.1:", directory.Json().GetProperty("newOrder").GetString(), StringComparison.Ordinal);
        Assert.Empty(directory.Stderr);
    }

    [Fact]
    public async Task Without_the_ca_bundle_the_private_server_is_not_trusted()
    {
        var ct = admin.Deadline;

        var untrusted = (await ConcordeBinary.RunAsync(["directory", pebble.Server.DirectoryUrl.AbsoluteUri], ct)).Failed(1);

        Assert.Contains("pass --ca-bundle <pem>", untrusted.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Renewal_info_says_clearly_when_the_server_offers_no_ari()
    {
        var ct = admin.Deadline;
        // Any certificate with an authority key identifier will do: the server is asked nothing about it.
        var pem = TestCertificateAuthority.Create(admin.PathOf("ca")).LeafCertificatePemPath;

        var run = (await admin.RunAsync(ct, "renewal-info", admin.Directory, pem)).Failed(1);

        Assert.Contains("does not offer renewal information (ARI, RFC 9773)", run.Stderr, StringComparison.Ordinal);
    }
}
