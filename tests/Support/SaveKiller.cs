using System.Diagnostics;

namespace Concorde.Tests.Support;

/// <summary>SIGKILLs a child process right after its k-th save of a file, from outside the product: a small
/// LD_PRELOAD library wraps rename(2), which every atomic save ends with (temporary file, fsync, rename), and
/// raises SIGKILL in the saving thread once the k-th rename onto that file name has succeeded. Deterministic
/// where watching the directory is not: nothing of the process runs after the save, not even the next request.</summary>
internal static class SaveKiller
{
    private const string Source = """
        #define _GNU_SOURCE
        #include <dlfcn.h>
        #include <signal.h>
        #include <stdatomic.h>
        #include <stdlib.h>
        #include <string.h>

        static const char *file_name;
        static int kill_after;
        static atomic_int saves;
        static int (*real_rename)(const char *, const char *);

        /* The environment is read once, before the program's own threads start. */
        __attribute__((constructor)) static void init(void)
        {
            real_rename = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
            file_name = getenv("SAVE_KILLER_FILE");
            const char *count = getenv("SAVE_KILLER_COUNT");
            kill_after = count ? atoi(count) : 0;
        }

        int rename(const char *from, const char *to)
        {
            int result = real_rename(from, to);
            if (result == 0 && file_name && kill_after > 0)
            {
                const char *slash = strrchr(to, '/');
                if (strcmp(slash ? slash + 1 : to, file_name) == 0 && atomic_fetch_add(&saves, 1) + 1 == kill_after)
                    raise(SIGKILL);
            }
            return result;
        }
        """;

    private static readonly Lazy<string> Library = new(Compile);

    /// <summary>The environment that makes the child die right after its <paramref name="save"/>-th replacement
    /// of a file named <paramref name="fileName"/> (in any directory).</summary>
    public static Dictionary<string, string> Environment(string fileName, int save) => new()
    {
        ["LD_PRELOAD"] = Library.Value,
        ["SAVE_KILLER_FILE"] = fileName,
        ["SAVE_KILLER_COUNT"] = $"{save}",
    };

    private static string Compile()
    {
        var directory = Directory.CreateTempSubdirectory("concorde-save-killer-").FullName;
        var source = Path.Combine(directory, "save-killer.c");
        var library = Path.Combine(directory, "save-killer.so");
        File.WriteAllText(source, Source);
        var start = ChildProcess.Redirected("clang", ["-shared", "-fPIC", "-O2", "-o", library, source, "-ldl"]);
        using var compiler = Process.Start(start) ?? throw new InvalidOperationException("could not start clang");
        compiler.StandardInput.Close();
        var errors = compiler.StandardError.ReadToEndAsync();
        if (!compiler.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            compiler.Kill();
            throw new TimeoutException("clang did not compile the save killer within 60 s");
        }
        if (compiler.ExitCode != 0) throw new InvalidOperationException($"clang could not compile {source}: {errors.Result}");
        return library;
    }
}
