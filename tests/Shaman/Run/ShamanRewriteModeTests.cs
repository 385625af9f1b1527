using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Shaman;

/// <summary>Files shaman rewrites keep what an administrator set on them: a shaman.json made 0600 (it may hold
/// an EAB HMAC key) is not widened to 0644, and a certificate made 0640 for a group keeps mode and group.</summary>
public sealed class ShamanRewriteModeTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    private static readonly UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly UnixFileMode OwnerAndGroup = OwnerOnly | UnixFileMode.GroupRead;

    [Fact]
    public async Task Shaman_json_and_certificate_keep_their_mode_and_group_across_runs_that_rewrite_them()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("mode");
        // Pebble's certificates live five years; 100000 days renews on every run, so the second run rewrites the certificate.
        profile.Write(profile.Config(new() { [Challenge.Http01] = ShamanProfile.Http01 }, ShamanProfile.Domains(name), renewal: 100000));
        var before = profile.Text();
        File.SetUnixFileMode(profile.JsonPath, OwnerOnly);
        var ownership = GiveToDaemonGroupIfRoot(profile.JsonPath);

        (await profile.RunAsync()).Exited(0);

        Assert.NotEqual(before, profile.Text());
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(profile.JsonPath));
        Assert.Equal(ownership, FileOwnership.Of(profile.JsonPath));

        var certificate = profile.PathOf(ShamanProfile.CertificateFile(name));
        var firstPem = File.ReadAllText(certificate);
        File.SetUnixFileMode(certificate, OwnerAndGroup);
        var certificateOwnership = GiveToDaemonGroupIfRoot(certificate);

        (await profile.RunAsync()).Exited(0);

        Assert.NotEqual(firstPem, File.ReadAllText(certificate));
        Assert.Equal(OwnerAndGroup, File.GetUnixFileMode(certificate));
        Assert.Equal(certificateOwnership, FileOwnership.Of(certificate));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(profile.JsonPath));
        Assert.Equal(ownership, FileOwnership.Of(profile.JsonPath));
    }

    /// <summary>As root (as these tests run) the file goes to group daemon, standing in for ssl-cert; otherwise
    /// it stays as it is. Returns the owner and group the file should keep.</summary>
    private static (uint Owner, uint Group) GiveToDaemonGroupIfRoot(string path)
    {
        var (owner, _) = FileOwnership.Of(path);
        if (Environment.IsPrivilegedProcess) FileOwnership.Set(path, owner, FileOwnership.DaemonGroup);
        return FileOwnership.Of(path);
    }
}
