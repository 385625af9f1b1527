using System.Text.Json.Nodes;
using Concorde.Acme.Files;
using Concorde.Acme.Keys;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>Files another user planted in the profile lend nothing: a rewritten file does not take over their owner or
/// mode, and a key file shaman.json does not name is adopted only when it is this user's own and private. A
/// shaman.json holding an EAB MAC key is written 0600; a shaman.json that is a symlink has its target rewritten.
/// Ownership cases run when the suite runs as root, with `daemon` as the other user.</summary>
public sealed class PlantedFileTests
{
    private const string Name = "planted.example.com";
    private static readonly DateTimeOffset Now = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Rewritten_file_planted_by_another_user_gets_neither_its_owner_nor_its_mode()
    {
        if (!Environment.IsPrivilegedProcess) return;
        using var directory = new TempDirectory("concorde-planted-");
        var path = directory.Combine("example.com.cert.pub.pem");
        await File.WriteAllTextAsync(path, "planted");
        FileOwnership.Set(path, FileOwnership.DaemonUser, FileOwnership.DaemonGroup);
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("666", 8));

        await AtomicFile.WriteAsync(path, "renewed"u8.ToArray(), AtomicFile.PublicMode, overwrite: true, CancellationToken.None);

        Assert.Equal((0u, 0u), FileOwnership.Of(path));
        Assert.Equal(AtomicFile.PublicMode, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task World_writable_bit_of_our_own_file_is_not_carried_over()
    {
        using var directory = new TempDirectory("concorde-planted-");
        var path = directory.Combine("example.com.cert.pub.pem");
        await File.WriteAllTextAsync(path, "old");
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("666", 8));

        await AtomicFile.WriteAsync(path, "new"u8.ToArray(), AtomicFile.PublicMode, overwrite: true, CancellationToken.None);

        Assert.Equal((UnixFileMode)Convert.ToInt32("664", 8), File.GetUnixFileMode(path));
    }

    public static TheoryData<string> ForeignKeys => new("group-readable", "another user's");

    [Theory]
    [MemberData(nameof(ForeignKeys))]
    public async Task Unrecorded_key_file_that_is_not_ours_alone_is_not_adopted(string how)
    {
        if (how == "another user's" && !Environment.IsPrivilegedProcess) return;
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync(Name);
        var keyFile = profile.PathOf($"{Name}.key.priv.pem");
        var planted = await File.ReadAllTextAsync(keyFile);
        profile.UpdateDomain(Name, d => d.Remove("key"));
        if (how == "group-readable") File.SetUnixFileMode(keyFile, (UnixFileMode)Convert.ToInt32("640", 8));
        else FileOwnership.Set(keyFile, FileOwnership.DaemonUser, FileOwnership.DaemonGroup);

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(1);

        var error = Assert.Single(run.Lines, l => l.StartsWith($"ERROR {Name}: ", StringComparison.Ordinal));
        Assert.Contains("so it is not adopted", error, StringComparison.Ordinal);
        Assert.Empty(ca.Csrs);
        Assert.Equal(planted, await File.ReadAllTextAsync(keyFile));
        Assert.False(profile.ReadDomain(Name).ContainsKey("key"));
    }

    [Fact]
    public async Task Unrecorded_key_file_that_is_ours_and_private_is_still_adopted()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync(Name);
        profile.UpdateDomain(Name, d => d.Remove("key"));

        var run = (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        Assert.Contains(run.Lines, l => l.Contains("using the existing key file", StringComparison.Ordinal));
        Assert.Equal($"{Name}.key.priv.pem", profile.ReadDomain(Name)["key"]!.GetValue<string>());
    }

    [Fact]
    public async Task Profile_holding_an_eab_key_is_rewritten_0600_whatever_its_mode_was()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync(Name);
        profile.Update(c => c["eab"] = new JsonObject { ["kid"] = "kid-1", ["hmacKey"] = "c2VjcmV0LW1hYy1rZXk" });
        var file = profile.PathOf("shaman.json");
        File.SetUnixFileMode(file, (UnixFileMode)Convert.ToInt32("644", 8));

        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        Assert.Equal(AtomicFile.PrivateMode, File.GetUnixFileMode(file));
    }

    [Fact]
    public async Task Symlinked_profile_has_its_target_rewritten_and_stays_a_link()
    {
        using var ca = new ScriptedCa(new AutoAdvancingTimeProvider(Now));
        using var profile = await ScriptedProfile.CreateAsync(Name);
        using var elsewhere = new TempDirectory("concorde-profile-target-");
        var target = elsewhere.Combine("shaman.json");
        File.Move(profile.PathOf("shaman.json"), target);
        File.SetUnixFileMode(target, (UnixFileMode)Convert.ToInt32("640", 8));
        File.CreateSymbolicLink(profile.PathOf("shaman.json"), target);

        (await profile.RunAsync(ca, new AutoAdvancingTimeProvider(Now))).Exited(0);

        Assert.Equal(target, new FileInfo(profile.PathOf("shaman.json")).LinkTarget);
        Assert.Contains("certificate_id", await File.ReadAllTextAsync(target), StringComparison.Ordinal);
        Assert.Equal((UnixFileMode)Convert.ToInt32("640", 8), File.GetUnixFileMode(target));
        Assert.Empty(Directory.GetFiles(elsewhere.Path, "*.tmp").Concat(Directory.GetFiles(profile.Directory, ".*.tmp")));
    }
}
