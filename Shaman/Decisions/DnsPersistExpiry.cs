using System.Globalization;
using System.Text;

namespace Concorde.Shaman;

/// <summary>The `--status` lines for standing dns-persist-01 records whose persistUntil (as shaman.json's
/// `persist.until` says) is less than <see cref="DnsPersistSetting.WarnBefore"/> away or past: after it the CA
/// refuses the record, and renewal fails until someone changes the DNS.</summary>
public static class DnsPersistExpiry
{
    public static string Status(ProfileSettings settings, DateTimeOffset now)
    {
        var text = new StringBuilder();
        foreach (var domain in settings.Domains)
        {
            if (domain.Effective.Persist?.Until is not { } until || until - now >= DnsPersistSetting.WarnBefore) continue;
            var when = until.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
            text.Append(until <= now
                ? $"WARNING: the dns-persist-01 record of {domain.Name} expired at {when} UTC (persistUntil); the CA no longer accepts it: create a new one (`concorde ... dns-persist-record`) and update \"persist\"\n"
                : $"WARNING: the dns-persist-01 record of {domain.Name} expires at {when} UTC (persistUntil), in {(until - now).TotalDays.ToString("0.0", CultureInfo.InvariantCulture)} days: replace it before then and update \"persist\"\n");
        }
        return text.ToString();
    }
}
