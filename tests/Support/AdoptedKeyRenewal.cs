using Concorde.Acme.Crypto;
using Xunit;

namespace Concorde.Tests.Support;

/// <summary>What the renewal of a certificate whose adopted key was not P-384 promises: one warning naming the key's
/// kind, one order, a certificate for a new P-384 key, and the adopted key kept beside it (mode 0600).</summary>
internal static class AdoptedKeyRenewal
{
    public static void AssertRenewedWithNewP384Key(this ShamanProfile profile, ShamanRun renewal, string name, string kind, string adoptedKeyPem)
    {
        Assert.Single(renewal.Lines, l => l.StartsWith($"WARNING {name}: the key {ShamanProfile.KeyFile(name)} is {kind}", StringComparison.Ordinal));
        Assert.Single(renewal.Lines, l => l.Contains(": created order ", StringComparison.Ordinal));
        using (profile.AssertCertificate(name)) { }
        using var key = profile.LoadKey(ShamanProfile.KeyFile(name));
        Assert.True(KeyCurve.IsP384(key));
        var old = Assert.Single(Directory.GetFiles(profile.Directory, $"{ShamanProfile.KeyFile(name)}.old-*"));
        Assert.Equal(adoptedKeyPem, File.ReadAllText(old));
        Assert.Equal(ShamanProfile.PrivateMode, File.GetUnixFileMode(old));
    }
}
