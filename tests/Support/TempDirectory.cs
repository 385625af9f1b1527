namespace Concorde.Tests.Support;

/// <summary>
/// A uniquely named directory under the system temp directory that is deleted (recursively, best effort)
/// on <see cref="Dispose"/>.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    private int disposed;

    public TempDirectory(string prefix = "concorde-test-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    /// <summary>A uniquely named directory inside <paramref name="parent"/> instead of the system temp directory,
    /// e.g. a profile inside a sandbox whose every other file a test watches.</summary>
    public TempDirectory(string prefix, string parent)
    {
        Path = Directory.CreateDirectory(System.IO.Path.Combine(parent, $"{prefix}{Guid.NewGuid():N}")).FullName;
    }

    /// <summary>Absolute path of the directory.</summary>
    public string Path { get; }

    /// <summary>Combines <paramref name="relativePath"/> with <see cref="Path"/>.</summary>
    public string Combine(string relativePath) => System.IO.Path.Combine(Path, relativePath);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        TryDelete(Path);
    }

    internal static void TryDelete(string path)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                return;
            }
            catch (IOException)
            {
                Thread.Sleep(50);
            }
            catch (UnauthorizedAccessException)
            {
                Thread.Sleep(50);
            }
        }
    }

    public override string ToString() => Path;
}
