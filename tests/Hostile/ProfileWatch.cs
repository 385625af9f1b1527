using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>Watches one profile across crashes. Each <see cref="AssertConsistent"/> checks what must hold after
/// any kill: shaman.json parses; every key file, once seen, is byte for byte the same, private and loadable (never
/// replaced, truncated or lost); every certificate file is absent, the chain seen before, or a new complete chain
/// for the domain's key; and nothing else is in the directory but shaman's temporary files, which are counted
/// (and scripts, and files whose names start with <paramref name="testFilePrefix"/>: the test's own).</summary>
internal sealed partial class ProfileWatch(ShamanProfile profile, IReadOnlyList<string> names, string? testFilePrefix = null)
{
    private readonly Dictionary<string, string> _keyHashes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _certificates = new(StringComparer.Ordinal);

    /// <summary>The most temporary files seen at once, and in the last check.</summary>
    public int MostTemporaryFiles { get; private set; }
    public int TemporaryFiles { get; private set; }
    /// <summary>How many times a certificate file was found with new content.</summary>
    public int CertificatesChanged { get; private set; }

    public IReadOnlyDictionary<string, string> KeyHashes => _keyHashes;

    public void AssertConsistent(string when)
    {
        var root = JsonNode.Parse(profile.Text()) as JsonObject;
        Assert.True(root?["domains"] is JsonObject, $"{when}: shaman.json is not a profile:{Environment.NewLine}{profile.Text()}");

        var keyFiles = names.Select(ShamanProfile.KeyFile).Prepend(ShamanProfile.AccountKeyFile).ToList();
        foreach (var file in keyFiles)
        {
            var path = profile.PathOf(file);
            if (!File.Exists(path))
            {
                Assert.False(_keyHashes.ContainsKey(file), $"{when}: {file} was lost");
                Assert.False(IsRecorded(root!, file), $"{when}: shaman.json names {file}, which does not exist");
                continue;
            }
            Assert.Equal(ShamanProfile.PrivateMode, File.GetUnixFileMode(path));
            var hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
            if (_keyHashes.TryGetValue(file, out var first))
                Assert.True(first == hash, $"{when}: {file} was replaced or changed");
            else
                _keyHashes[file] = hash;
            using var key = profile.LoadKey(file);
        }

        foreach (var name in names)
        {
            var path = profile.PathOf(ShamanProfile.CertificateFile(name));
            if (!File.Exists(path)) continue;
            var text = File.ReadAllText(path);
            if (_certificates.TryGetValue(name, out var previous) && previous == text) continue;
            var chain = PemChain.Parse(text, $"{when}: {ShamanProfile.CertificateFile(name)}");
            Assert.True(File.Exists(profile.PathOf(ShamanProfile.KeyFile(name))), $"{when}: a certificate for {name} but no key");
            using var key = profile.LoadKey(ShamanProfile.KeyFile(name));
            chain.AssertBelongsTo(key, name);
            _certificates[name] = text;
            CertificatesChanged++;
        }

        var expected = keyFiles.Concat(names.Select(ShamanProfile.CertificateFile)).Append("shaman.json").Append(".shaman.lock").ToHashSet();
        var temporary = 0;
        foreach (var entry in Directory.EnumerateFileSystemEntries(profile.Directory).Select(Path.GetFileName).OfType<string>())
        {
            if (expected.Contains(entry) || entry.EndsWith(".sh", StringComparison.Ordinal)) continue;
            if (testFilePrefix is not null && entry.StartsWith(testFilePrefix, StringComparison.Ordinal)) continue;
            var match = TemporaryFile().Match(entry);
            Assert.True(match.Success && expected.Contains(match.Groups["target"].Value), $"{when}: unexpected file {entry} in the profile");
            temporary++;
        }
        TemporaryFiles = temporary;
        MostTemporaryFiles = Math.Max(MostTemporaryFiles, temporary);
    }

    private bool IsRecorded(JsonObject root, string file) =>
        root["key"]?.ToString() == file || names.Any(n => root["domains"]?[n]?["key"]?.ToString() == file);

    /// <summary>AtomicFile's temporary names: ".&lt;target&gt;.&lt;32 hex digits&gt;.tmp".</summary>
    [GeneratedRegex(@"^\.(?<target>.+)\.[0-9a-f]{32}\.tmp$")]
    public static partial Regex TemporaryFile();
}
