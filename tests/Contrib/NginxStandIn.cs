using Concorde.Tests.Support;

namespace Concorde.Tests.Contrib;

/// <summary>Stand-ins for <c>nginx</c> and <c>systemctl</c> in a directory to put first on PATH, for what a real
/// nginx (<see cref="NginxServer"/>) cannot show: how systemd is asked to reload and which calls were made. Each
/// appends "name arguments" to <see cref="CallsLog"/> (nginx -t also the CONCORDE_* variables it was given);
/// systemctl reload exits with 1 when FAKE_SYSTEMCTL_FAILS is set.</summary>
internal sealed class NginxStandIn : IDisposable
{
    private readonly TempDirectory _directory = new("concorde-nginx-stand-in-");

    public NginxStandIn()
    {
        Directory.CreateDirectory(Bin);
        WriteExecutable(Path.Combine(Bin, "nginx"), $$"""
            #!/bin/sh
            echo "nginx $*" >> '{{CallsLog}}'
            if [ "$1" = -t ]; then
                echo "  with $CONCORDE_DOMAIN $CONCORDE_CERT_PATH $CONCORDE_KEY_PATH" >> '{{EnvironmentLog}}'
            fi
            exit 0
            """);
        WriteExecutable(Path.Combine(Bin, "systemctl"), $$"""
            #!/bin/sh
            echo "systemctl $*" >> '{{CallsLog}}'
            if [ "$1" = reload ] && [ -n "${FAKE_SYSTEMCTL_FAILS:-}" ]; then exit 1; fi
            exit 0
            """);
    }

    /// <summary>The directory holding the stand-ins.</summary>
    public string Bin => _directory.Combine("bin");

    /// <summary>PATH with <see cref="Bin"/> first.</summary>
    public string SearchPath => $"{Bin}:{Environment.GetEnvironmentVariable("PATH")}";

    private string CallsLog => _directory.Combine("calls.log");
    private string EnvironmentLog => _directory.Combine("environment.log");

    /// <summary>"nginx -t -q", "systemctl reload nginx.service", … in call order.</summary>
    public string[] Calls() => File.Exists(CallsLog) ? File.ReadAllLines(CallsLog) : [];

    /// <summary>"  with &lt;domain&gt; &lt;cert path&gt; &lt;key path&gt;" for each nginx -t.</summary>
    public string[] ConfigurationTests() => File.Exists(EnvironmentLog) ? File.ReadAllLines(EnvironmentLog) : [];

    private static void WriteExecutable(string path, string text)
    {
        File.WriteAllText(path, text.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => _directory.Dispose();
}
