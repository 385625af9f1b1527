using Concorde.Acme.Crypto;
using Concorde.Acme.Keys;
using Concorde.Cli;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Cli;

/// <summary>Malformed command lines, in process: each names what is wrong, shows the usage of the command it
/// belongs to, and exits 2 — or 1 for files that cannot be used — without touching the network.</summary>
public sealed class CliArgumentTests
{
    private const string Server = "https://acme.test/dir";
    private const string Account = "https://acme.test/acct/1";
    private const string Order = "https://acme.test/order/1";
    private const string Challenge = "https://acme.test/chall/1";
    private const string Authz = "https://acme.test/authz/1";
    private const string Missing = "/nonexistent/concorde-test/file.pem";

    private static string[] Reg(params string[] rest) => ["reg", "account.key", Account, Server, .. rest];

    public static TheoryData<string[], string, string> UsageErrors => new()
    {
        { [], "missing subcommand", "usage: concorde [--ca-bundle <pem>] <subcommand>" },
        { ["frobnicate"], "unknown subcommand 'frobnicate'; expected one of: keys, unreg, reg, directory, renewal-info", "usage: concorde [--ca-bundle" },
        { ["keys"], "missing keys subcommand (create)", "usage: concorde keys create <path>" },
        { ["keys", "create"], "missing <path>", "usage: concorde keys create <path>" },
        { ["key", "create", "a.key", "b.key"], "unexpected argument 'b.key'", "usage: concorde keys create <path>" },
        { ["keys", "destroy", "a.key"], "unknown subcommand 'destroy'; expected one of: create", "usage: concorde keys" },
        { ["unreg", "account.key"], "missing <server>", "usage: concorde unreg <key> <server>" },
        { ["unreg", "account.key", Server], "missing unreg subcommand (create, status or revoke)", "usage: concorde unreg" },
        { ["unreg", "account.key", Server, "delete"], "unknown subcommand 'delete'; expected one of: create, status, revoke", "usage: concorde unreg" },
        { ["unreg", "account.key", "acme.test/dir", "status"], "<server> (the ACME directory URL) must be an absolute https:// URL; got 'acme.test/dir'", "usage: concorde unreg <key> <server> status" },
        { ["unreg", "account.key", "ftp://acme.test/dir", "status"], "<server> (the ACME directory URL) must be an absolute https:// URL; got 'ftp://acme.test/dir'", "usage: concorde unreg <key> <server> status" },
        { ["unreg", "account.key", "http://acme.test/dir", "status"], "<server> (the ACME directory URL) must use https:// (http:// is allowed only for localhost)", "usage: concorde unreg <key> <server> status" },
        { ["unreg", "account.key", Server, "status", "extra"], "unexpected argument 'extra'", "usage: concorde unreg <key> <server> status" },
        { ["unreg", "account.key", Server, "create", "--eab-kid", "kid-1"], "--eab-kid needs the MAC key: --eab-hmac-key-file <path>, the environment variable CONCORDE_EAB_HMAC_KEY, or --eab-hmac-key <base64url>", "usage: concorde unreg <key> <server> create" },
        { ["unreg", "account.key", Server, "create", "--eab-hmac-key", "zWNDZM6e"], "--eab-hmac-key needs --eab-kid; give both", "usage: concorde unreg <key> <server> create" },
        { ["unreg", "account.key", Server, "create", "--eab-hmac-key-file", "mac.key"], "--eab-hmac-key-file needs --eab-kid; give both", "usage: concorde unreg <key> <server> create" },
        { ["unreg", "account.key", Server, "create", "--eab-kid", "kid-1", "--eab-hmac-key-file", "mac.key", "--eab-hmac-key", "zWNDZM6e"], "give the MAC key once: --eab-hmac-key-file or --eab-hmac-key, not both", "usage: concorde unreg <key> <server> create" },
        { ["unreg", "account.key", Server, "create", "--eab-kid", "kid-1", "--eab-hmac-key", "not base64!"], "--eab-hmac-key: the EAB MAC key is not base64url", "usage: concorde unreg <key> <server> create" },
        { ["help", "bogus"], "no help topic 'bogus'; expected one of: keys, unreg, reg, directory, renewal-info", "usage: concorde [--ca-bundle <pem>]" },
        { ["help", "reg", "order", "bogus"], "no help topic 'bogus' under `concorde reg order`; expected one of: create, status, get-authz, finalize, get-cert", "order create|status" },
        { ["help", "keys", "create", "extra"], "no help topic 'extra': `concorde keys create` has no subcommands", "usage: concorde keys create <path>" },
        { ["unreg", "account.key", Server, "create", "--contact", ""], "--contact needs an address", "usage: concorde unreg <key> <server> create" },
        { ["unreg", "cert.key", Server, "revoke"], "missing <cert.pem>", "usage: concorde unreg <cert key> <server> revoke" },
        { ["reg", "account.key", Account, Server], "missing reg subcommand (acct, order, challenge, authz or cert)", "usage: concorde reg <key> <account id> <server>" },
        { ["reg", "account.key", "acct-1", Server, "acct", "status"], "<account id> (the account URL) must be an absolute https:// URL; got 'acct-1'", "acct status" },
        { Reg("acct"), "missing acct subcommand", "acct status|update|key-change|deactivate" },
        { Reg("acct", "key-change"), "missing <new key path>", "acct key-change <new key path>" },
        { Reg("order", "create"), "missing <type>|<value>", "order create [--profile <name>] <type>|<value>" },
        { Reg("order", "create", "example.com"), "'example.com' is not <type>|<value>; write e.g. 'dns|example.com'", "order create" },
        { Reg("order", "create", "mx|example.com"), "unknown identifier type 'mx' in 'mx|example.com'; use dns or ip", "order create" },
        { Reg("order", "create", "ip|300.1.2.3"), "'300.1.2.3' is not an IP address", "order create" },
        { Reg("order", "create", "dns|"), "'dns|' is not <type>|<value> with one | and a value after it", "order create" },
        { Reg("order", "create", "dns|a b.example"), "'a b.example' is not a DNS name", "order create" },
        { Reg("order", "status"), "missing <order_id>", "order status <order_id>" },
        { Reg("order", "status", Order, "extra"), "unexpected argument 'extra'", "order status <order_id>" },
        { Reg("order", "status", "order-1"), "<order_id> must be an absolute https:// URL; got 'order-1'", "order status <order_id>" },
        { Reg("order", "get-authz", Order), "missing <index>", "order get-authz <order_id> <index>" },
        { Reg("order", "get-authz", Order, "first"), "<index> must be a whole number ≥ 0; got 'first'", "order get-authz" },
        { Reg("order", "finalize", Order, "cert.key"), "missing <name>", "order finalize <order_id> <cert key> <name>" },
        { Reg("order", "finalize", Order, "cert.key", "bad|example.com"), "unknown identifier type 'bad'", "order finalize" },
        { Reg("order", "get-cert", Order, "--alternate", "0"), "--alternate must be a whole number ≥ 1; got '0'", "order get-cert <order_id> [--alternate <n>]" },
        { Reg("order", "get-cert", Order, "--alternate"), "option --alternate needs a value", "order get-cert" },
        { Reg("order", "status", Order, "--contact", "a@example.com"), "option --contact does not apply to `concorde reg order status`", "order status" },
        { Reg("order", "status", Order, "--verbose"), "unknown option --verbose", "order status" },
        { Reg("order", "ship"), "unknown subcommand 'ship'; expected one of: create, status, get-authz, finalize, get-cert", "order create|status" },
        { Reg("challenge"), "missing <challenge_id>", "challenge <challenge_id> status|authorize|validate" },
        { Reg("challenge", Challenge), "missing challenge subcommand (status, authorize or validate)", "challenge <challenge_id>" },
        { Reg("challenge", Challenge, "respond"), "unknown subcommand 'respond'; expected one of: status, authorize, validate", "challenge <challenge_id>" },
        { Reg("challenge", "chall-1", "status"), "<challenge_id> must be an absolute https:// URL", "challenge <challenge_id> status" },
        { Reg("authz", Authz, "delete"), "unknown subcommand 'delete'; expected one of: status, deactivate", "authz <authz_id>" },
        { Reg("cert", "revoke", "cert.pem", "--reason", "7"), "--reason '7' is not an RFC 5280 reason: use 0-10 except 7", "cert revoke <cert.pem> [--reason <code>]" },
        { Reg("cert", "revoke", "cert.pem", "--reason", "bogus"), "--reason 'bogus' is not an RFC 5280 reason", "cert revoke" },
        { Reg("cert", "revoke", "cert.pem", "--reason", "1", "--reason", "2"), "option --reason is given 2 times; give it once", "cert revoke" },
        { ["directory"], "missing <server>", "usage: concorde directory <server>" },
        { ["directory", Server, "extra"], "unexpected argument 'extra'", "usage: concorde directory <server>" },
        { ["renewal-info", Server], "missing <cert.pem>", "usage: concorde renewal-info <server> <cert.pem>" },
        { ["--bogus", "directory", Server], "unknown option --bogus", "usage: concorde [--ca-bundle <pem>]" },
        { ["--ca-bundle"], "--ca-bundle needs a PEM file", "usage: concorde [--ca-bundle <pem>]" },
        { ["directory", Server, "--ca-bundle", "ca.pem"], "--ca-bundle is a global option; put it before the subcommand", "usage: concorde directory <server>" },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public async Task Usage_errors_name_the_mistake_show_the_usage_and_exit_2(string[] args, string message, string usage)
    {
        var run = await RunAsync(args);

        Assert.Equal(ExitCodes.Usage, run.Exit);
        Assert.Contains($"concorde: error: {message}", run.Error, StringComparison.Ordinal);
        Assert.Contains(usage, run.Error, StringComparison.Ordinal);
        Assert.Contains("--help` for details.", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    public static TheoryData<string[], string> FileErrors => new()
    {
        { ["unreg", Missing, "https://acme.test/dir", "status"], $"concorde: error: {Missing}: no such key file" },
        { Reg("order", "finalize", Order, Missing, "example.com"), $"concorde: error: {Missing}: no such key file" },
        { Reg("acct", "key-change", Missing), $"concorde: error: {Missing}: no such key file" },
        { Reg("cert", "revoke", Missing), $"concorde: error: {Missing}: no such certificate file" },
        { ["renewal-info", Server, Missing], $"concorde: error: {Missing}: no such certificate file" },
        { ["--ca-bundle", Missing, "directory", Server], $"concorde: error: {Missing}: cannot read the CA bundle" },
        { ["unreg", "account.key", Server, "create", "--eab-kid", "kid-1", "--eab-hmac-key-file", Missing], $"concorde: error: {Missing}: no such EAB MAC key file" },
        // A device that never ends is refused after a few kilobytes, not read until memory runs out.
        { ["unreg", "account.key", Server, "create", "--eab-kid", "kid-1", "--eab-hmac-key-file", "/dev/zero"], "concorde: error: /dev/zero: cannot be read as an EAB MAC key file (a regular file of at most 4096 bytes)" },
    };

    [Theory]
    [MemberData(nameof(FileErrors))]
    public async Task Files_that_cannot_be_read_fail_with_one_line_and_exit_1(string[] args, string message)
    {
        var run = await RunAsync(args);

        Assert.Equal(ExitCodes.Failure, run.Exit);
        Assert.StartsWith(message, run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.TrimEnd('\n').Split('\n'));
        Assert.Empty(run.Output);
    }

    [Theory]
    [InlineData("RS256", "--eab-alg must be HS256, HS384 or HS512")]
    [InlineData("HS256", "--eab-alg needs --eab-kid")]
    public async Task Eab_alg_other_than_the_three_hmacs_or_without_a_kid_is_a_usage_error(string alg, string message)
    {
        string[] args = message.Contains("needs", StringComparison.Ordinal)
            ? ["unreg", "account.key", Server, "create", "--eab-alg", alg]
            : ["unreg", "account.key", Server, "create", "--eab-kid", "kid-1", "--eab-hmac-key", "AAAA", "--eab-alg", alg];

        var run = await RunAsync(args);

        Assert.Equal(ExitCodes.Usage, run.Exit);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_eab_mac_key_file_or_variable_that_is_not_base64url_is_named_without_echoing_it()
    {
        using var files = new TempDirectory();
        var macFile = files.Combine("eab-mac.key");
        await File.WriteAllTextAsync(macFile, "TOPSECRET!!not-base64url\n");
        string[] create = ["unreg", "account.key", Server, "create", "--eab-kid", "kid-1"];

        var file = await RunAsync([.. create, "--eab-hmac-key-file", macFile]);
        var variable = await InProcessCli.RunAsync(_ => throw new InvalidOperationException("no network expected"),
            environment => environment with { EabHmacKeyFromEnvironment = "TOPSECRET!!not-base64url" }, create);

        Assert.Equal((ExitCodes.Failure, $"concorde: error: {macFile}: the EAB MAC key is not base64url\n"), (file.Exit, file.Error));
        Assert.Equal(ExitCodes.Usage, variable.Exit);
        Assert.StartsWith("concorde: error: CONCORDE_EAB_HMAC_KEY: the EAB MAC key is not base64url\n", variable.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("TOPSECRET", file.Error + variable.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_files_that_are_not_p384_keys_are_named_with_the_reason()
    {
        using var files = new TempDirectory();
        var garbage = files.Combine("garbage.key");
        await File.WriteAllTextAsync(garbage, "not a key");

        var notPem = await RunAsync("unreg", garbage, Server, "status");
        var directory = await RunAsync("unreg", files.Path, Server, "status");

        Assert.Equal((ExitCodes.Failure, $"concorde: error: {garbage}: contains no PEM block"), (notPem.Exit, notPem.Error[..(notPem.Error.IndexOf(';'))]));
        Assert.Equal(ExitCodes.Failure, directory.Exit);
        Assert.Contains($"{files.Path}: is a directory, not a key file", directory.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_create_writes_a_private_p384_key_and_never_overwrites()
    {
        using var files = new TempDirectory();
        var path = files.Combine("account.key");

        var created = await RunAsync("keys", "create", path);
        var again = await RunAsync("key", "create", path);

        Assert.Equal(ExitCodes.Success, created.Exit);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using (var key = await KeyFile.LoadAsync(path, CancellationToken.None))
            Assert.True(KeyCurve.IsP384(key));
        Assert.Equal(ExitCodes.Failure, again.Exit);
        Assert.Contains($"{path}: already exists; refusing to overwrite a key", again.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("keyCompromise", 1)]
    [InlineData("KEYCOMPROMISE", 1)]
    [InlineData("superseded", 4)]
    [InlineData("aACompromise", 10)]
    [InlineData("0", 0)]
    [InlineData("10", 10)]
    public void Revocation_reasons_are_codes_or_rfc_5280_names(string text, int code)
    {
        var leaf = new LeafArguments(CommandHelp.CertRevoke, [], ArgumentSplitter.Split([]));
        Assert.Equal(code, OperandParser.RevocationReason(leaf, text));
    }

    [Fact]
    public async Task Help_at_the_top_lists_every_subcommand_the_global_options_and_the_exit_codes()
    {
        var run = await RunAsync("--help");

        Assert.Equal(ExitCodes.Success, run.Exit);
        foreach (var name in new[] { "keys", "unreg", "reg", "directory", "renewal-info", "--ca-bundle <pem>", "--version", "Exit status:", "2    usage error" })
            Assert.Contains(name, run.Output, StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    public static TheoryData<string[], string> HelpRequests => new()
    {
        { ["reg", "--help"], "concorde reg — " },
        { ["reg", "account.key", Account, Server, "order", "--help"], "concorde reg order — " },
        { ["reg", "account.key", Account, Server, "order", "create", "-h"], "concorde reg order create — " },
        { ["help", "reg", "challenge"], "concorde reg challenge — " },
        { ["unreg", "account.key", Server, "create", "--help"], "concorde unreg create — " },
        { ["--help", "keys"], "concorde keys — " },
        { ["key", "create", "--help"], "concorde keys create — " },
    };

    [Theory]
    [MemberData(nameof(HelpRequests))]
    public async Task Help_after_any_subcommand_shows_that_command(string[] args, string title)
    {
        var run = await RunAsync(args);

        Assert.Equal(ExitCodes.Success, run.Exit);
        Assert.StartsWith(title, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_help_page_lists_its_subcommands_with_their_summary_examples_and_exit_codes()
    {
        foreach (var (path, page) in Pages(CommandHelp.Root, []))
        {
            var run = await RunAsync(["help", .. path]);
            Assert.Equal(ExitCodes.Success, run.Exit);
            foreach (var sub in page.Subcommands)
                Assert.Contains($"  {sub.Name.PadRight(page.Subcommands.Max(s => s.Name.Length))}  {sub.Summary}", run.Output, StringComparison.Ordinal);
            foreach (var option in page.Options)
                Assert.Contains(option.Name, run.Output, StringComparison.Ordinal);
            Assert.NotEmpty(page.Examples);
            Assert.Contains("Examples:", run.Output, StringComparison.Ordinal);
            Assert.Contains(CommandHelp.ExitStatus, run.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Version_prints_the_version()
    {
        var run = await RunAsync("--version");

        Assert.Equal((ExitCodes.Success, "concorde 1.2.3\n", ""), (run.Exit, run.Output, run.Error));
    }

    private static IEnumerable<(string[] Path, HelpPage Page)> Pages(HelpPage page, string[] path)
    {
        yield return (path, page);
        foreach (var sub in page.Subcommands)
            foreach (var found in Pages(sub, [.. path, sub.Name]))
                yield return found;
    }

    private static Task<(int Exit, string Output, string Error)> RunAsync(params string[] args) => InProcessCli.RunOfflineAsync(args);
}
