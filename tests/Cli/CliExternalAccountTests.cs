using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Cli;

/// <summary>A Pebble that requires external account binding (RFC 8555 §7.3.4).</summary>
public sealed class CliExternalAccountFixture() : PebbleFixture(new PebbleOptions { RequireExternalAccountBinding = true });

public sealed class CliExternalAccountTests(CliExternalAccountFixture pebble) : IClassFixture<CliExternalAccountFixture>, IDisposable
{
    private readonly ManualConcorde admin = new(pebble.Server);

    public void Dispose() => admin.Dispose();

    [Fact]
    public async Task Unreg_create_binds_the_account_with_eab_and_is_refused_without()
    {
        var ct = admin.Deadline;
        var key = await admin.CreateKeyAsync("account.key", ct);

        var refused = (await admin.RunAsync(ct, "unreg", key, admin.Directory, "create")).Failed(1);
        Assert.Contains("urn:ietf:params:acme:error:externalAccountRequired", refused.Stderr, StringComparison.Ordinal);

        var created = (await admin.RunAsync(ct, "unreg", key, admin.Directory, "create",
            "--eab-kid", "kid-1", "--eab-hmac-key", PebbleOptions.DefaultExternalAccountMacKeys["kid-1"])).Succeeded();
        Assert.Equal("valid", created.Json().GetProperty("status").GetString());
        var found = (await admin.RunAsync(ct, "unreg", key, admin.Directory, "status")).Succeeded();
        Assert.Equal(created.Header("Account"), found.Header("Account"));
    }
}
