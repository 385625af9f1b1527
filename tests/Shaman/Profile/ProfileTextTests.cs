using System.Text.Json.Nodes;
using Concorde.Shaman;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>A save splices the kept text of unchanged domains with the changed ones; whatever the sequence of
/// changes, every save is exactly the whole-tree serialization, which python3 confirms as its own format.</summary>
public sealed class ProfileTextTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly List<string> _saves = [];

    public void Dispose() => _directory.Dispose();

    /// <summary>Names whose order by code point differs from ordinal UTF-16 order, escapes, and plain ones.</summary>
    private static readonly string[] Names =
        ["a.test", "b\u00fccher.test", "\U0001F600.test", "\uFF21.test", "z.test", "quote\"d.test", "m.test", "c.test"];

    private async Task<ProfileDocument> LoadAsync()
    {
        var domains = new JsonObject();
        foreach (var name in Names) domains[name] = new JsonObject { ["altNames"] = new JsonArray("www." + name) };
        var root = new JsonObject { ["server"] = "https://ca.test/dir", ["renewal"] = 30, ["domains"] = domains, ["unknown"] = new JsonObject { ["x"] = 1.5 } };
        File.WriteAllText(_directory.Combine(ProfileSettings.FileName), root.ToJsonString());
        return await ProfileDocument.LoadAsync(_directory.Path, CancellationToken.None, text =>
        {
            lock (_saves) _saves.Add(text);
        });
    }

    private string OnDisk() => File.ReadAllText(_directory.Combine(ProfileSettings.FileName));

    [Fact]
    public async Task Every_save_equals_the_whole_tree_serialized_whatever_changed_before_it()
    {
        var document = await LoadAsync();
        var random = new Random(14);
        var ct = CancellationToken.None;
        for (var step = 0; step < 200; step++)
        {
            var name = Names[random.Next(Names.Length)];
            var kind = random.Next(8);
            switch (kind)
            {
                case 0: await document.SetAsync(name, "order_id", $"https://ca.test/order/{step}", ct); break;
                case 1: await document.RemoveAsync(name, "order_id", ct); break;
                case 2: await document.UpdateDomainAsync(name, d => d["renewalInfo"] = new JsonObject { ["checkAfter"] = $"step {step}" }, ct); break;
                case 3: await document.SetLaterAsync(name, "key", $"{name}.{step}.key.priv.pem", ct); break;
                case 4: await document.SetAsync("account_id", $"https://ca.test/acct/{step}", ct); break;
                case 5: await document.UpdateTopAsync(root => root["runFailures"] = step, ct); break;
                case 6:
                    // A change anywhere: a domain appears or goes, another one's field changes in the same write.
                    await document.UpdateAllAsync(root =>
                    {
                        var domains = root["domains"]!.AsObject();
                        if (!domains.Remove($"extra-{step - 1}.test")) domains[$"extra-{step}.test"] = new JsonObject();
                        ((JsonObject)domains[name]!)["failures"] = step;
                    }, ct);
                    break;
                default:
                    await document.SetLaterAsync(name, "key", $"{name}.later.key.priv.pem", ct);
                    await document.SaveUnsavedAsync(ct);
                    break;
            }
            // Set-later changes wait for the next save; after any other step the file holds the whole tree.
            if (kind != 3) Assert.Equal(PythonJson.Serialize(document.Root), OnDisk());
        }
        Assert.NotEmpty(_saves);
        Assert.Equal(OnDisk(), _saves[^1]);
        await PythonFormat.AssertFormattedAsync(OnDisk());
    }

    [Fact]
    public async Task A_profile_whose_domains_are_empty_or_missing_is_written_as_python_would()
    {
        var document = await LoadAsync();
        await document.UpdateAllAsync(root => root["domains"] = new JsonObject(), CancellationToken.None);
        Assert.Contains("\"domains\": {},", OnDisk());
        await document.UpdateAllAsync(root => root.Remove("domains"), CancellationToken.None);
        await PythonFormat.AssertFormattedAsync(OnDisk());
        Assert.Equal(PythonJson.Serialize(document.Root), OnDisk());
    }
}
