using System.Text.Json.Nodes;
using Concorde.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>How changes reach shaman.json: each awaited change is on disk when the await returns; changes set
/// "later" ride along with the next save; parallel saves are coalesced, never lost.</summary>
public sealed class ProfileDocumentTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly List<string> _writes = [];

    public void Dispose() => _directory.Dispose();

    private async Task<ProfileDocument> LoadAsync(params string[] domains)
    {
        var root = new JsonObject { ["server"] = "https://ca.test/dir", ["domains"] = new JsonObject() };
        foreach (var domain in domains) root["domains"]!.AsObject()[domain] = new JsonObject();
        File.WriteAllText(_directory.Combine(ProfileSettings.FileName), root.ToJsonString());
        return await ProfileDocument.LoadAsync(_directory.Path, CancellationToken.None, text =>
        {
            lock (_writes) _writes.Add(text);
        });
    }

    private JsonObject OnDisk() => JsonNode.Parse(File.ReadAllText(_directory.Combine(ProfileSettings.FileName)))!.AsObject();

    [Fact]
    public async Task A_change_set_later_is_written_with_the_next_save_and_not_before()
    {
        var document = await LoadAsync("a.test");

        await document.SetLaterAsync("key", "account.key.priv.pem", CancellationToken.None);
        await document.SetLaterAsync("a.test", "key", "a.test.key.priv.pem", CancellationToken.None);

        Assert.Empty(_writes);
        Assert.Null(OnDisk()["key"]);
        Assert.Equal("account.key.priv.pem", document.Get("key"));

        await document.SetAsync("account_id", "https://ca.test/acct/1", CancellationToken.None);

        var saved = Assert.Single(_writes);
        Assert.Equal("account.key.priv.pem", (string?)OnDisk()["key"]);
        Assert.Equal("a.test.key.priv.pem", (string?)OnDisk()["domains"]!["a.test"]!["key"]);
        Assert.Equal("https://ca.test/acct/1", (string?)OnDisk()["account_id"]);
        Assert.Contains("account_id", saved);
    }

    [Fact]
    public async Task Saving_the_unsaved_writes_only_when_something_is_pending()
    {
        var document = await LoadAsync("a.test");

        await document.SaveUnsavedAsync(CancellationToken.None);
        Assert.Empty(_writes);

        await document.SetLaterAsync("a.test", "key", "a.test.key.priv.pem", CancellationToken.None);
        await document.SaveUnsavedAsync(CancellationToken.None);
        Assert.Single(_writes);
        Assert.Equal("a.test.key.priv.pem", (string?)OnDisk()["domains"]!["a.test"]!["key"]);

        await document.SaveUnsavedAsync(CancellationToken.None);
        Assert.Single(_writes);
    }

    [Fact]
    public async Task Parallel_changes_are_each_on_disk_when_their_save_returns_and_none_is_lost()
    {
        var domains = Enumerable.Range(0, 40).Select(i => $"d{i}.test").ToArray();
        var document = await LoadAsync(domains);

        await Task.WhenAll(domains.Select(domain => Task.Run(async () =>
        {
            foreach (var field in new[] { "order_id", "certificate_id" })
            {
                var value = $"https://ca.test/{field}/{domain}";
                await document.SetAsync(domain, field, value, CancellationToken.None);
                // Durable the moment the await returns, whoever did the write.
                Assert.Equal(value, (string?)OnDisk()["domains"]![domain]![field]);
            }
        })));

        var final = OnDisk();
        Assert.All(domains, domain => Assert.Equal($"https://ca.test/certificate_id/{domain}", (string?)final["domains"]![domain]!["certificate_id"]));
        Assert.InRange(_writes.Count, 1, 2 * domains.Length);
    }
}
