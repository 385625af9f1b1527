using Concorde.Acme.Files;

namespace Concorde.Shaman;

/// <summary>The StrictModes rule, as OpenSSH applies it to ~/.ssh: a path shaman trusts (the profile directory,
/// shaman.json, a program it runs and the directory holding that program) must be owned by root or by the user
/// running shaman, and carry no group or other write bit. A group write bit is refused even when the group has
/// no other members: group membership changes outside shaman's view, and the strict rule is simple to state and
/// to fix. Sticky world-writable directories are refused too: the sticky bit only stops others from removing
/// what they do not own, so a name that is missing or later removed (a package upgrade) can be planted by anyone.</summary>
public static class TrustedPath
{
    private const UnixFileMode GroupOrOtherWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
    private const uint Root = 0;

    /// <summary>Throws a <see cref="ProfileException"/> naming <paramref name="path"/> (described by
    /// <paramref name="what"/>), what is wrong and the fix, when another user could change it. A symlink is judged
    /// by its final target (a link's own mode means nothing on Linux); a path that cannot be examined is left to
    /// the check that reads it.</summary>
    public static void Require(string path, string what)
    {
        var target = File.ResolveLinkTarget(path, returnFinalTarget: true) is { } link ? Path.GetFullPath(link.FullName) : path;
        if (FileStatus.OfLink(target) is not { } status) return;
        var runner = FileStatus.EffectiveUser;
        if (status.Owner != Root && status.Owner != runner)
            throw new ProfileException($"{target} ({what}): owned by {Describe(status.Owner, "/etc/passwd")}, not by root or the user running shaman; chown {Describe(runner, "/etc/passwd", nameOnly: true)} {target}");
        if ((status.Permissions & UnixFileMode.OtherWrite) != 0)
            throw new ProfileException($"{target} ({what}): writable by every user; chmod go-w {target}");
        if ((status.Permissions & GroupOrOtherWrite) != 0)
            throw new ProfileException($"{target} ({what}): writable by group {Describe(status.Group, "/etc/group")}; chmod go-w {target}");
    }

    /// <summary>"uid 65534 (nobody)" style text; the name is looked up only on the way to an error.</summary>
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
