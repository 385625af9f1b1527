using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Concorde.Acme.Crypto;
using Concorde.Acme.Keys;
using Concorde.Cli;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Cli;

/// <summary>What Pebble cannot show (it serves neither ARI nor profiles), in process against a scripted server.</summary>
public sealed class CliScriptedServerTests
{
    private const string Server = "https://acme.test/dir";

    private static readonly string DirectoryJson = """
        {
          "newNonce": "https://acme.test/nonce",
          "newAccount": "https://acme.test/account",
          "newOrder": "https://acme.test/order",
          "renewalInfo": "https://acme.test/ari/",
          "meta": { "profiles": { "shortlived": "6-day certificates" } }
        }
        """;

    [Fact]
    public async Task Renewal_info_prints_the_certificate_id_and_the_servers_window()
    {
        using var files = new TempDirectory();
        var authority = TestCertificateAuthority.Create(files.Path);
        using var certificate = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(authority.LeafCertificatePemPath));
        var id = CertificateId.For(certificate);
        var handler = AcmeScript()
            .Once(HttpMethod.Get, $"https://acme.test/ari/{id}", _ => ScriptedHandler.Json(HttpStatusCode.OK,
                """{"suggestedWindow":{"start":"2030-01-01T00:00:00Z","end":"2030-01-02T00:00:00Z"},"explanationURL":"https://acme.test/why"}""",
                headers: ("Retry-After", "21600")));

        var run = await RunAsync(handler, "renewal-info", Server, authority.LeafCertificatePemPath);

        Assert.Equal(ExitCodes.Success, run.Exit);
        Assert.StartsWith($"Certificate ID: {id}\n", run.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(run.Output[(run.Output.IndexOf('\n') + 1)..]);
        Assert.Equal("2030-01-01T00:00:00Z", json.RootElement.GetProperty("suggestedWindow").GetProperty("start").GetString());
        Assert.Contains("check again in 6 h", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Order_create_sends_the_profile_and_notes_one_the_server_does_not_list()
    {
        using var files = new TempDirectory();
        var key = await CreateKeyAsync(files);
        var handler = AcmeScript()
            .Always(HttpMethod.Post, "https://acme.test/order", _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.Created,
                """{"status":"pending","identifiers":[{"type":"dns","value":"example.com"}],"authorizations":[],"finalize":"https://acme.test/order/1/finalize"}""",
                headers: ("Location", "https://acme.test/order/1"))));
        string[] reg = ["reg", key, "https://acme.test/acct/1", Server, "order", "create"];

        var listed = await RunAsync(handler, [.. reg, "--profile", "shortlived", "dns|example.com"]);
        var unlisted = await RunAsync(handler, [.. reg, "dns|example.com", "--profile=tlsserver"]);

        Assert.Equal((ExitCodes.Success, ""), (listed.Exit, listed.Error));
        Assert.StartsWith("Order: https://acme.test/order/1\n", listed.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Success, unlisted.Exit);
        Assert.Contains("does not list a profile named 'tlsserver'", unlisted.Error, StringComparison.Ordinal);
        var payloads = handler.RequestsTo(HttpMethod.Post, "https://acme.test/order").Select(Payload).ToArray();
        Assert.Equal(["shortlived", "tlsserver"], payloads.Select(p => p.GetProperty("profile").GetString()));
        Assert.Equal("example.com", payloads[0].GetProperty("identifiers")[0].GetProperty("value").GetString());
    }

    /// <summary>dns-account-01 (draft-ietf-acme-dns-account-label) puts the account's label before
    /// _acme-challenge; both drop a wildcard's "*.".</summary>
    [Theory]
    [InlineData("dns-01", false)]
    [InlineData("dns-account-01", true)]
    public async Task Challenge_authorize_follows_the_up_link_to_name_the_dns_record(string type, bool accountLabel)
    {
        using var files = new TempDirectory();
        var key = await CreateKeyAsync(files);
        var handler = AcmeScript()
            .Always(HttpMethod.Post, "https://acme.test/chall/1", _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.OK,
                $$"""{"type":"{{type}}","url":"https://acme.test/chall/1","status":"pending","token":"tok-1"}""",
                headers: ("Link", "<https://acme.test/authz/1>;rel=\"up\""))))
            .Always(HttpMethod.Post, "https://acme.test/authz/1", _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.OK,
                """{"status":"pending","identifier":{"type":"dns","value":"example.com"},"wildcard":true,"challenges":[]}""")));

        var run = await RunAsync(handler, "reg", key, "https://acme.test/acct/1", Server, "challenge", "https://acme.test/chall/1", "authorize");

        using var accountKey = await KeyFile.LoadAsync(key, CancellationToken.None);
        var keyAuthorization = KeyAuthorization.For("tok-1", accountKey);
        Assert.Equal((ExitCodes.Success, ""), (run.Exit, run.Error));
        Assert.Equal(
            $"Key authorization: {keyAuthorization}\n" +
            $"TXT record name: {(accountLabel ? $"_{DnsAccountLabel.For(new Uri("https://acme.test/acct/1"))}." : "")}_acme-challenge.example.com\n" +
            $"TXT record value: {KeyAuthorization.Dns01TxtValue(keyAuthorization)}\n", run.Output);
    }

    [Fact]
    public async Task Authz_status_prints_an_authorization_with_a_token_less_dns_persist_01_challenge()
    {
        using var files = new TempDirectory();
        var key = await CreateKeyAsync(files);
        const string authorization = """
            {"status":"pending","identifier":{"type":"dns","value":"example.com"},"challenges":[
             {"type":"dns-persist-01","url":"https://acme.test/chall/p","status":"pending","issuer-domain-names":["acme.test"]},
             {"type":"http-01","url":"https://acme.test/chall/h","status":"pending","token":"tok-1"}]}
            """;
        var handler = AcmeScript()
            .Always(HttpMethod.Post, "https://acme.test/authz/1", _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.OK, authorization)));

        var run = await RunAsync(handler, "reg", key, "https://acme.test/acct/1", Server, "authz", "https://acme.test/authz/1", "status");

        Assert.Equal((ExitCodes.Success, ""), (run.Exit, run.Error));
        Assert.StartsWith("Authorization: https://acme.test/authz/1\n", run.Output, StringComparison.Ordinal);
        Assert.Contains("\"issuer-domain-names\"", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_acme_problem_prints_type_detail_and_each_subproblem_and_exits_1()
    {
        using var files = new TempDirectory();
        var key = await CreateKeyAsync(files);
        var handler = AcmeScript()
            .Always(HttpMethod.Post, "https://acme.test/order", _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.BadRequest, """
                {"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"Error creating new order :: 2 identifiers refused",
                 "subproblems":[
                   {"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"forbidden name","identifier":{"type":"dns","value":"bank.example"}},
                   {"type":"urn:ietf:params:acme:error:malformed","detail":"invalid character","identifier":{"type":"dns","value":"a_b.example"}}]}
                """, "application/problem+json")));

        var run = await RunAsync(handler, "reg", key, "https://acme.test/acct/1", Server, "order", "create", "dns|bank.example", "dns|a_b.example");

        Assert.Equal(ExitCodes.Failure, run.Exit);
        Assert.Equal(
            "concorde: error: urn:ietf:params:acme:error:rejectedIdentifier: Error creating new order :: 2 identifiers refused [POST https://acme.test/order]\n" +
            "  urn:ietf:params:acme:error:rejectedIdentifier: forbidden name (dns|bank.example)\n" +
            "  urn:ietf:params:acme:error:malformed: invalid character (dns|a_b.example)\n", run.Error);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task A_directory_url_that_refuses_get_names_the_request_and_asks_whether_it_is_the_directory()
    {
        using var files = new TempDirectory();
        var key = await CreateKeyAsync(files);
        // `reg <key> <server> <account id>`: the operands swapped, so the account URL is fetched as the directory.
        var handler = new ScriptedHandler()
            .Always(HttpMethod.Get, "https://acme.test/acct/1", _ => ScriptedHandler.Json(HttpStatusCode.MethodNotAllowed,
                """{"type":"urn:ietf:params:acme:error:malformed","detail":"Method not allowed","status":405}""", "application/problem+json"));

        var run = await RunAsync(handler, "reg", key, Server, "https://acme.test/acct/1", "acct", "status");

        Assert.Equal(ExitCodes.Failure, run.Exit);
        Assert.Equal(
            "concorde: error: urn:ietf:params:acme:error:malformed: Method not allowed [GET https://acme.test/acct/1]\n" +
            "concorde: is https://acme.test/acct/1 the ACME directory URL? `reg` takes <key> <account id> <server>, in that order\n",
            run.Error);
    }

    [Theory]
    [InlineData("urn:ietf:params:acme:error:malformed")]
    [InlineData("urn:ietf:params:acme:error:unauthorized")]
    [InlineData("urn:ietf:params:acme:error:accountDoesNotExist")]
    public async Task A_request_refused_for_its_account_key_asks_whether_the_key_is_the_accounts(string type)
    {
        using var files = new TempDirectory();
        var key = await CreateKeyAsync(files);
        var handler = AcmeScript()
            .Always(HttpMethod.Post, "https://acme.test/acct/1", _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.BadRequest,
                $$"""{"type":"{{type}}","detail":"JWS verification error"}""", "application/problem+json")));

        var run = await RunAsync(handler, "reg", key, "https://acme.test/acct/1", Server, "acct", "status");

        Assert.Equal(ExitCodes.Failure, run.Exit);
        Assert.Equal(
            $"concorde: error: {type}: JWS verification error [POST https://acme.test/acct/1]\n" +
            $"concorde: is {key} the key of account https://acme.test/acct/1? (`concorde unreg {key} {Server} status` finds the account of a key)\n",
            run.Error);
    }

    [Fact]
    public async Task Unreg_create_for_a_key_with_an_account_says_so_and_what_it_did_not_apply()
    {
        using var files = new TempDirectory();
        var key = await CreateKeyAsync(files);
        var handler = AcmeScript()
            .Always(HttpMethod.Post, "https://acme.test/account", _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.OK,
                """{"status":"valid","contact":["mailto:old@example.com"]}""", headers: ("Location", "https://acme.test/acct/7"))));

        var run = await RunAsync(handler, "unreg", key, Server, "create", "--contact", "new@example.com",
            "--eab-kid", "kid-1", "--eab-hmac-key", MacKey);

        Assert.Equal(ExitCodes.Success, run.Exit);
        Assert.StartsWith("Account: https://acme.test/acct/7\n", run.Output, StringComparison.Ordinal);
        Assert.Equal(
            "concorde: an account already exists for this key: https://acme.test/acct/7; it is printed unchanged\n" +
            $"concorde: --contact was not applied; to replace the contacts: concorde reg {key} https://acme.test/acct/7 {Server} acct update --contact <email>...\n" +
            "concorde: --eab-kid was not applied: an external account binding is made only when an account is created (RFC 8555 §7.3.4); " +
            "this account keeps the binding it has, if any\n",
            run.Error);
        Assert.DoesNotContain("terms of service", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreg_create_for_a_new_account_notes_the_terms_it_agreed_to()
    {
        using var files = new TempDirectory();
        var key = await CreateKeyAsync(files);
        var handler = new ScriptedHandler()
            .Always(HttpMethod.Get, Server, _ => ScriptedHandler.Json(HttpStatusCode.OK, DirectoryJson.Replace(
                "\"meta\": {", "\"meta\": { \"termsOfService\": \"https://acme.test/tos\",", StringComparison.Ordinal)))
            .Always(HttpMethod.Head, "https://acme.test/nonce", _ => WithNonce(new HttpResponseMessage(HttpStatusCode.OK)))
            .Always(HttpMethod.Post, "https://acme.test/account", _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.Created,
                """{"status":"valid"}""", headers: ("Location", "https://acme.test/acct/8"))));

        var run = await RunAsync(handler, "unreg", key, Server, "create", "--contact", "new@example.com");

        Assert.Equal((ExitCodes.Success, "concorde: agreed to the terms of service at https://acme.test/tos\n"), (run.Exit, run.Error));
    }

    [Fact]
    public async Task The_eab_mac_key_comes_from_the_file_over_the_environment_and_from_the_environment_alone()
    {
        using var files = new TempDirectory();
        var key = await CreateKeyAsync(files);
        var macFile = files.Combine("eab-mac.key");
        await File.WriteAllTextAsync(macFile, $"  {MacKey}\n\n");
        var handler = AcmeScript()
            .Always(HttpMethod.Post, "https://acme.test/account", _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.Created,
                """{"status":"valid"}""", headers: ("Location", "https://acme.test/acct/9"))));
        const string otherMacKey = "c2Vjb25kLW1hYy1rZXktZm9yLXRlc3RpbmctcHVycG9zZXM";
        string[] create = ["unreg", key, Server, "create", "--eab-kid", "kid-1"];

        var fromFile = await RunAsync(handler, otherMacKey, [.. create, "--eab-hmac-key-file", macFile]);
        var fromEnvironment = await RunAsync(handler, otherMacKey, create);

        Assert.Equal((ExitCodes.Success, ""), (fromFile.Exit, fromFile.Error));
        Assert.Equal((ExitCodes.Success, ""), (fromEnvironment.Exit, fromEnvironment.Error));
        var bindings = handler.RequestsTo(HttpMethod.Post, "https://acme.test/account")
            .Select(r => Payload(r).GetProperty("externalAccountBinding")).ToArray();
        Assert.Equal(2, bindings.Length);
        AssertSignedWith(bindings[0], MacKey);
        AssertSignedWith(bindings[1], otherMacKey);

        static void AssertSignedWith(JsonElement binding, string macKey)
        {
            var signingInput = $"{binding.GetProperty("protected").GetString()}.{binding.GetProperty("payload").GetString()}";
            var expected = System.Security.Cryptography.HMACSHA256.HashData(Base64Url.DecodeFromChars(macKey),
                System.Text.Encoding.ASCII.GetBytes(signingInput));
            Assert.Equal(Base64Url.EncodeToString(expected), binding.GetProperty("signature").GetString());
        }
    }

    [Fact]
    public async Task Eab_alg_hs512_names_hs512_and_macs_with_sha512()
    {
        using var files = new TempDirectory();
        var key = await CreateKeyAsync(files);
        var handler = AcmeScript()
            .Always(HttpMethod.Post, "https://acme.test/account", _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.Created,
                """{"status":"valid"}""", headers: ("Location", "https://acme.test/acct/10"))));

        var run = await RunAsync(handler, MacKey, ["unreg", key, Server, "create", "--eab-kid", "kid-1", "--eab-alg", "HS512"]);

        Assert.Equal((ExitCodes.Success, ""), (run.Exit, run.Error));
        var binding = Payload(handler.RequestsTo(HttpMethod.Post, "https://acme.test/account").Single()).GetProperty("externalAccountBinding");
        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(binding.GetProperty("protected").GetString()));
        Assert.Equal("HS512", header.RootElement.GetProperty("alg").GetString());
        var signingInput = $"{binding.GetProperty("protected").GetString()}.{binding.GetProperty("payload").GetString()}";
        var expected = System.Security.Cryptography.HMACSHA512.HashData(Base64Url.DecodeFromChars(MacKey),
            System.Text.Encoding.ASCII.GetBytes(signingInput));
        Assert.Equal(Base64Url.EncodeToString(expected), binding.GetProperty("signature").GetString());
    }

    [Fact]
    public async Task Retries_of_an_unavailable_server_are_told_on_stderr()
    {
        var handler = new ScriptedHandler()
            .Once(HttpMethod.Get, Server, _ => ScriptedHandler.Json(HttpStatusCode.ServiceUnavailable,
                """{"type":"urn:ietf:params:acme:error:serverInternal","detail":"busy"}""", "application/problem+json", ("Retry-After", "0")))
            .Always(HttpMethod.Get, Server, _ => ScriptedHandler.Json(HttpStatusCode.OK, DirectoryJson));

        var run = await RunAsync(handler, "directory", Server);

        Assert.Equal((ExitCodes.Success, $"concorde: GET {Server} answered HTTP 503; retrying in 0 s\n"), (run.Exit, run.Error));
        Assert.StartsWith($"Directory: {Server}\n", run.Output, StringComparison.Ordinal);
    }

    /// <summary>Pebble's default MAC key of kid-1 (base64url, 256 bits).</summary>
    private static readonly string MacKey = PebbleOptions.DefaultExternalAccountMacKeys["kid-1"];

    private static HttpResponseMessage WithNonce(HttpResponseMessage response)
    {
        response.Headers.Add("Replay-Nonce", Guid.NewGuid().ToString("N"));
        return response;
    }

    private static JsonElement Payload(ScriptedHandler.RecordedRequest request)
    {
        using var jws = JsonDocument.Parse(request.Body);
        var payload = Base64Url.DecodeFromChars(jws.RootElement.GetProperty("payload").GetString());
        using var document = JsonDocument.Parse(payload);
        return document.RootElement.Clone();
    }

    /// <summary>The directory, and fresh nonces for signed requests.</summary>
    private static ScriptedHandler AcmeScript() => new ScriptedHandler()
        .Always(HttpMethod.Get, Server, _ => ScriptedHandler.Json(HttpStatusCode.OK, DirectoryJson))
        .Always(HttpMethod.Head, "https://acme.test/nonce", _ => WithNonce(new HttpResponseMessage(HttpStatusCode.OK)));

    private static async Task<string> CreateKeyAsync(TempDirectory files)
    {
        var path = files.Combine("account.key");
        using var key = KeyCurve.Generate();
        await KeyFile.SaveAsync(path, key, CancellationToken.None);
        return path;
    }

    private static Task<(int Exit, string Output, string Error)> RunAsync(ScriptedHandler handler, params string[] args) =>
        InProcessCli.RunAsync(_ => new HttpClient(handler, disposeHandler: false), args);

    /// <summary>With CONCORDE_EAB_HMAC_KEY set to <paramref name="eabHmacKey"/>.</summary>
    private static Task<(int Exit, string Output, string Error)> RunAsync(ScriptedHandler handler, string eabHmacKey, string[] args) =>
        InProcessCli.RunAsync(_ => new HttpClient(handler, disposeHandler: false),
            environment => environment with { EabHmacKeyFromEnvironment = eabHmacKey }, args);
}
