using System.Globalization;
using System.Text;
using Xunit;

namespace Concorde.Tests.Support;

/// <summary>A temporary directory that holds a profile two levels down (<c>sandbox/nest/profile</c>) and decoy
/// files beside it (<c>sandbox/outside/…</c>), so that "../x" and "../../x" from the profile land inside the
/// sandbox, where a snapshot sees them. Everything outside the profile directory must stay as it was.</summary>
internal sealed class Sandbox : IDisposable
{
    private readonly TempDirectory _root = new("concorde-hostile-");

    public Sandbox()
    {
        Nest = Directory.CreateDirectory(_root.Combine("nest")).FullName;
        Outside = Directory.CreateDirectory(_root.Combine("outside")).FullName;
        File.WriteAllText(OutsidePath("victim.pem"), "an administrator's file that shaman must never touch\n");
        File.WriteAllText(OutsidePath("passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    }

    public string Root => _root.Path;

    /// <summary>The directory a profile is made in (its parent): "../x" from the profile is <c>nest/x</c>.</summary>
    public string Nest { get; }

    /// <summary><c>sandbox/outside</c>: "../../outside/x" from the profile.</summary>
    public string Outside { get; }

    public string OutsidePath(string name) => Path.Combine(Outside, name);

    /// <summary>Everything in the sandbox except <paramref name="profileDirectory"/>.</summary>
    public DirectorySnapshot SnapshotOutside(string profileDirectory) => DirectorySnapshot.Take(Root, profileDirectory);

    public void Dispose() => _root.Dispose();
}

/// <summary>Every entry below a directory, without following symbolic links: kind, size, modification time, mode
/// and link target; the directory itself too (its mtime changes when an entry is created or removed, even
/// one removed again).</summary>
internal sealed class DirectorySnapshot
{
    private readonly SortedDictionary<string, string> _entries;

    private DirectorySnapshot(string root, SortedDictionary<string, string> entries)
    {
        Root = root;
        _entries = entries;
    }

    public string Root { get; }

    public IReadOnlyDictionary<string, string> Entries => _entries;

    /// <summary>Snapshots <paramref name="root"/>, leaving out the subtree <paramref name="exclude"/> (its own
    /// entry in its parent stays, with its mode, but not its mtime).</summary>
    public static DirectorySnapshot Take(string root, string? exclude = null)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["."] = Describe(new DirectoryInfo(root)) };
        Walk(new DirectoryInfo(root), root, exclude is null ? null : Path.GetFullPath(exclude), entries);
        return new DirectorySnapshot(root, entries);
    }

    private static void Walk(DirectoryInfo directory, string root, string? exclude, SortedDictionary<string, string> entries)
    {
        foreach (var entry in directory.EnumerateFileSystemInfos())
        {
            var relative = Path.GetRelativePath(root, entry.FullName);
            if (entry.FullName == exclude)
            {
                entries[relative] = $"excluded directory mode={Mode(entry)}";
                continue;
            }
            entries[relative] = Describe(entry);
            if (entry is DirectoryInfo child && entry.LinkTarget is null) Walk(child, root, exclude, entries);
        }
    }

    private static string Describe(FileSystemInfo entry) => entry switch
    {
        _ when entry.LinkTarget is { } target => $"symlink -> {target}",
        DirectoryInfo d => $"directory mode={Mode(d)} mtime={Ticks(d)}",
        FileInfo f => $"file size={f.Length} mode={Mode(f)} mtime={Ticks(f)}",
        _ => "other",
    };

    private static string Mode(FileSystemInfo entry) => Convert.ToString((int)entry.UnixFileMode, 8);

    private static string Ticks(FileSystemInfo entry) => entry.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture);

    /// <summary>Fails with the list of entries added, removed and changed since <paramref name="before"/>.</summary>
    public static void AssertUnchanged(DirectorySnapshot before, DirectorySnapshot after, string context)
    {
        var report = new StringBuilder();
        foreach (var (name, was) in before._entries)
        {
            if (!after._entries.TryGetValue(name, out var now)) report.AppendLine($"  removed {name} ({was})");
            else if (now != was) report.AppendLine($"  changed {name}: {was} → {now}");
        }
        foreach (var (name, now) in after._entries)
            if (!before._entries.ContainsKey(name)) report.AppendLine($"  created {name} ({now})");
        Assert.True(report.Length == 0, $"{context}: {before.Root} changed:{Environment.NewLine}{report}");
    }
}
