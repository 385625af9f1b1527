using System.Globalization;
using System.Text;
using Concorde.Acme;
using Concorde.Acme.Files;

namespace Concorde.Shaman;

/// <summary>One domain's numbers at the end of a run.</summary>
public sealed record DomainMetrics(string Name, DateTimeOffset? NotBefore, DateTimeOffset? NotAfter, DateTimeOffset? RenewAt, int Failures, bool DeployPending, bool? ServedOk);

/// <summary>The file `"metrics"` names: Prometheus text format for node_exporter's textfile collector, written
/// atomically after every run so monitoring sees a run that failed or found nothing to do.</summary>
public static class RunMetrics
{
    private const string LastSuccessName = "concorde_run_last_success_timestamp_seconds";
    /// <summary>Far more than a thousand domains write; the previous file is only read for one line.</summary>
    private const long MaxPreviousBytes = 16 << 20;

    /// <summary>The text of the metrics file. <paramref name="lastSuccess"/> is this run's end when it succeeded,
    /// else the previous file's value (so a no-op run need not record it in shaman.json).</summary>
    public static string Format(string profile, IReadOnlyList<DomainMetrics> domains, DateTimeOffset runStart, TimeSpan duration,
        int exitCode, DateTimeOffset? lastSuccess, int profileFailures, TimeSpan? lockBlocked = null)
    {
        var text = new StringBuilder();
        var profileLabel = $"profile=\"{Escape(profile)}\"";
        string Labels(DomainMetrics domain) => $"{{{profileLabel},domain=\"{Escape(domain.Name)}\"}}";

        void Family(string name, string type, string help, IEnumerable<(string Labels, double Value)> samples)
        {
            var rows = samples.ToList();
            if (rows.Count == 0) return;
            text.Append($"# HELP {name} {help}\n# TYPE {name} {type}\n");
            foreach (var (labels, value) in rows) text.Append($"{name}{labels} {Number(value)}\n");
        }

        Family("concorde_certificate_not_after_seconds", "gauge", "notAfter of the certificate on disk, in Unix seconds.",
            domains.Where(d => d.NotAfter is not null).Select(d => (Labels(d), Seconds(d.NotAfter!.Value))));
        Family("concorde_certificate_not_before_seconds", "gauge", "notBefore of the certificate on disk, in Unix seconds (with notAfter: its lifetime).",
            domains.Where(d => d.NotBefore is not null).Select(d => (Labels(d), Seconds(d.NotBefore!.Value))));
        Family("concorde_certificate_renewal_due_seconds", "gauge", "When shaman will renew the certificate (ARI moment or fallback), in Unix seconds.",
            domains.Where(d => d.RenewAt is not null).Select(d => (Labels(d), Seconds(d.RenewAt!.Value))));
        Family("concorde_domain_failures", "gauge", "Consecutive failed attempts for the domain (0 when fine).",
            domains.Select(d => (Labels(d), (double)d.Failures)));
        Family("concorde_domain_deploy_pending", "gauge", "1 when the deploy hook must run again for the domain's current certificate.",
            domains.Select(d => (Labels(d), d.DeployPending ? 1.0 : 0.0)));
        Family("concorde_domain_served_ok", "gauge", "1 when the last verify saw the certificate served, 0 when not.",
            domains.Where(d => d.ServedOk is not null).Select(d => (Labels(d), d.ServedOk!.Value ? 1.0 : 0.0)));
        var profileOnly = $"{{{profileLabel}}}";
        Family("concorde_run_timestamp_seconds", "gauge", "When the last run started, in Unix seconds.", [(profileOnly, Seconds(runStart))]);
        Family("concorde_run_duration_seconds", "gauge", "How long the last run took.", [(profileOnly, duration.TotalSeconds)]);
        Family("concorde_run_exit_code", "gauge", "Exit code of the last run (0 success, 1 failure, 130 interrupted).", [(profileOnly, exitCode)]);
        Family(LastSuccessName, "gauge", "When a run last ended with exit code 0, in Unix seconds.",
            lastSuccess is { } success ? [(profileOnly, Seconds(success))] : []);
        Family("concorde_profile_failures", "gauge", "Consecutive run-level failures of the profile (CA or account unusable).",
            [(profileOnly, profileFailures)]);
        Family("concorde_run_lock_blocked_seconds", "gauge", "How long no run has taken the profile's lock, held by another user or for longer than a run takes.",
            lockBlocked is { } blocked ? [(profileOnly, blocked.TotalSeconds)] : []);
        return text.ToString();
    }

    public static Task WriteAsync(string path, string text, CancellationToken ct) =>
        AtomicFile.WriteAsync(path, Encoding.UTF8.GetBytes(text), AtomicFile.PublicMode, overwrite: true, ct);

    /// <summary>The last-success time the previous file recorded, or null (no file, or none recorded). The file is read
    /// like a key (<see cref="RegularFile"/>): a pipe or a link to a device planted there (its directory may be the
    /// monitoring account's) is not read but warned about on <paramref name="error"/>, and then replaced.</summary>
    public static async Task<DateTimeOffset?> PreviousLastSuccessAsync(string path, TextWriter error)
    {
        string text;
        try
        {
            text = SmallTextFile.Read(path, MaxPreviousBytes);
        }
        catch (RegularFileException e)
        {
            await error.WriteLineAsync($"shaman: {e.Message}; not read, but replaced by this run's metrics (without the previous last-success time)");
            return null;
        }
        catch (Exception e) when (ExpectedFailure.IsFileProblem(e))
        {
            return null;
        }
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(LastSuccessName + "{", StringComparison.Ordinal)) continue;
            var value = line[(line.LastIndexOf(' ') + 1)..];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds))
                return DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
        }
        return null;
    }

    private static double Seconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The text format's label escaping: backslash, double quote and newline.</summary>
    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
