using System.Diagnostics;
using System.Text;
using Xunit;

namespace Concorde.Tests.Support;

/// <summary>python3 as the oracle of the original tool's file format: <c>json.dump(config, f, indent=4, sort_keys=True)</c>.</summary>
internal static class PythonFormat
{
    private const string Dump = "import json, sys; sys.stdout.write(json.dumps(json.loads(sys.stdin.read()), indent=4, sort_keys=True))";

    /// <summary>What the Python concorde would write for the JSON document <paramref name="json"/>.</summary>
    public static async Task<string> DumpsAsync(string json)
    {
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Dump);
        using var process = StartPython(start);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(json);
        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(deadline.Token);
        Assert.True(process.ExitCode == 0, $"python3 failed: {await stderr}");
        return await stdout;
    }

    /// <summary>The text is byte for byte what Python writes for the same data (sorted keys, 4-space indent,
    /// \u escapes, no trailing newline).</summary>
    public static async Task AssertFormattedAsync(string text) => Assert.Equal(await DumpsAsync(text), text);

    private static Process StartPython(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("python3 is needed as the reference for the Python tool's shaman.json format: apt-get install -y python3", e);
        }
    }
}
