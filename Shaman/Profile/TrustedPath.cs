using Concorde.Acme.Files;

namespace Concorde.Shaman;

/// <summary>The StrictModes rule, as OpenSSH applies it to ~/.ssh, extended to the whole path: shaman runs as root, so
/// every directory it passes through on the way to a file it trusts (the profile directory, shaman.json, a program it
/// runs, the CA bundle) decides what it reads or runs. Walking from `/` as the kernel resolves the path (symbolic links
/// followed, each link's own directory checked), every directory and the final file must be owned by root or by the
/// user running shaman and carry no group or other write bit. A group write bit is refused even when the group has no
/// other members: membership changes outside shaman's view, and the strict rule is simple to state and to fix.
/// One exception: a directory ABOVE the final one may be world-writable with the sticky bit (/tmp's 1777), because
/// then nobody but its owner can rename or remove the entry below it, and that entry is itself checked. The final
/// directory (the profile, or the one holding a program) gets no such exception: there a name that is missing or
/// later removed (a package upgrade) can be planted by anyone.</summary>
public static class TrustedPath
{
    private const UnixFileMode GroupOrOtherWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
    private const uint Root = 0;
    /// <summary>What Linux allows before ELOOP.</summary>
    private const int MaxLinks = 40;

    /// <summary>Throws a <see cref="ProfileException"/> naming the first path on the way to <paramref name="path"/>
    /// (described by <paramref name="what"/>) that another user could change, what is wrong and the fix. A path that
    /// does not exist is left to the check that reads it.</summary>
    /// <param name="strictParent">The directory holding the final file gets the final rule too (a program's
    /// directory: a missing or removed program name could be planted there).</param>
    public static void Require(string path, string what, bool strictParent = false)
    {
        var pending = new Stack<string>();
        // Not Path.GetFullPath: it folds "link/.." lexically, where the kernel goes to the link target's parent.
        PushComponents(pending, Path.IsPathRooted(path) ? path : Path.Combine(Environment.CurrentDirectory, path));
        // A directory is judged when the walk leaves it, once it is known whether it holds the final file.
        var current = new Step("/", FileStatus.OfLink("/"));
        var links = 0;
        while (pending.TryPop(out var name))
        {
            if (name == "..")
            {
                current.Leave(what, holdsFinal: false);
                var parent = Path.GetDirectoryName(current.Path) ?? "/";
                current = new Step(parent, FileStatus.OfLink(parent));
                continue;
            }
            var next = current.Path == "/" ? "/" + name : current.Path + "/" + name;
            if (FileStatus.OfLink(next) is not { } status) return;
            if (status.IsSymbolicLink)
            {
                if (++links > MaxLinks || new FileInfo(next).LinkTarget is not { } target)
                    throw new ProfileException($"{path} ({what}): too many symbolic links, or one that cannot be read, on the way to it");
                PushComponents(pending, target);
                if (target.StartsWith('/'))
                {
                    current.Leave(what, holdsFinal: false);
                    current = new Step("/", FileStatus.OfLink("/"));
                }
                continue;
            }
            current.Leave(what, holdsFinal: strictParent && pending.Count == 0);
            current = new Step(next, status);
        }
        if (current.Status is { } final) Check(current.Path, final, what, strict: true);
    }

    /// <summary>A directory on the walk, checked once, as a directory above the final file or as the one holding it.</summary>
    private sealed class Step(string path, FileStatus? status)
    {
        private bool _checked;

        public string Path { get; } = path;
        public FileStatus? Status { get; } = status;

        public void Leave(string what, bool holdsFinal)
        {
            if (_checked || Status is not { } status) return;
            _checked = true;
            Check(Path, status, holdsFinal ? $"the directory holding {what}" : $"a directory above {what}", strict: holdsFinal);
        }
    }

    /// <summary>The rule for a file already open: its owner and mode as the descriptor saw them (<paramref name="status"/>),
    /// so what was checked is what was read.</summary>
    public static void Require(string path, FileStatus status, string what) => Check(path, status, what, strict: true);

    private static void PushComponents(Stack<string> pending, string path)
    {
        var names = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = names.Length - 1; i >= 0; i--)
            if (names[i] != ".") pending.Push(names[i]);
    }

    /// <param name="strict">No exception for a sticky directory: the final file, or the directory holding a program.</param>
    private static void Check(string path, FileStatus status, string what, bool strict)
    {
        var runner = FileStatus.EffectiveUser;
        if (status.Owner != Root && status.Owner != runner)
            throw new ProfileException($"{path} ({what}): owned by {Describe(status.Owner, "/etc/passwd")}, not by root or the user running shaman; chown {Describe(runner, "/etc/passwd", nameOnly: true)} {path}");
        if (!strict && status.IsDirectory && status.IsSticky) return;
        if ((status.Permissions & UnixFileMode.OtherWrite) != 0)
            throw new ProfileException($"{path} ({what}): writable by every user; chmod go-w {path}");
        if ((status.Permissions & GroupOrOtherWrite) != 0)
            throw new ProfileException($"{path} ({what}): writable by group {Describe(status.Group, "/etc/group")}; chmod go-w {path}");
    }

    /// <summary>"'nobody' (uid 65534)", for a message about a user.</summary>
    public static string DescribeUser(uint id) => Describe(id, "/etc/passwd");

    /// <summary>"'nobody' (uid 65534)" style text; the name is looked up only on the way to an error.</summary>
    private static string Describe(uint id, string database, bool nameOnly = false)
    {
        var name = LookUpName(id, database);
        if (nameOnly) return name ?? id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var kind = database.EndsWith("group", StringComparison.Ordinal) ? "gid" : "uid";
        return name is null ? $"{kind} {id}" : $"'{name}' ({kind} {id})";
    }

    private static string? LookUpName(uint id, string database)
    {
        try
        {
            var wanted = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var line in File.ReadLines(database))
            {
                var fields = line.Split(':');
                if (fields.Length > 2 && fields[2] == wanted) return fields[0];
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}
