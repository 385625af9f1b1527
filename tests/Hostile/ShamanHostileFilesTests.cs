using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Concorde.Acme.Wire;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>Hostile files around a profile, against Pebble: key files, CA bundles, certificate files and authenticators that are
/// wrong, damaged or hostile. A domain that cannot go on fails alone (exit 1) with one ERROR line naming the file
/// or program and the problem; a damaged certificate is never trusted; and nothing outside the profile directory
/// is ever created or changed (a <see cref="Sandbox"/> around the profile is compared before and after).
/// Tests run as root, for whom mode 000 still reads: "unreadable" is a dangling symlink or a directory here.</summary>
public sealed class ShamanHostileFilesTests(PebbleFixture pebble) : IClassFixture<PebbleFixture>
{
    private const string Authenticator = "x.sh";
    private const string DomainKeyFile = "domain.pem";
    private const string AccountKeyFile = "account.pem";

    /// <summary>What a case may prepare: files in and around the profile, and the shaman.json about to be written.</summary>
    internal sealed class Setup(Sandbox sandbox, ShamanProfile profile, string name, JsonObject config)
    {
        public Sandbox Sandbox => sandbox;
        public ShamanProfile Profile => profile;
        public string Name => name;
        public JsonObject Config => config;
        public JsonObject Domain => config["domains"]![name]!.AsObject();

        /// <summary>Writes <paramref name="content"/> as domain.pem (mode 0600) and names it as the domain's key.</summary>
        public void DomainKey(string content)
        {
            WritePrivate(profile.PathOf(DomainKeyFile), content);
            Domain["key"] = DomainKeyFile;
        }

        public void AccountKey(string content)
        {
            WritePrivate(profile.PathOf(AccountKeyFile), content);
            config["key"] = AccountKeyFile;
        }

        /// <summary>The profile's http-01 authenticator becomes <see cref="Authenticator"/> with this body.</summary>
        public void AuthenticatorScript(string body)
        {
            profile.WriteScript(Authenticator, body);
            UseAuthenticator(Authenticator);
        }

        public void UseAuthenticator(string program) => config["authenticators"] = new JsonObject { [Challenge.Http01] = program };

        public void Symlink(string file, string target) => File.CreateSymbolicLink(profile.PathOf(file), target);

        private static void WritePrivate(string path, string content)
        {
            File.WriteAllText(path, content);
            File.SetUnixFileMode(path, ShamanProfile.PrivateMode);
        }
    }

    /// <summary>Inputs that fail their domain (exit 1), and the words its one ERROR line must contain.</summary>
    private static readonly Dictionary<string, (Action<Setup> Arrange, string[] Says)> Failing = new()
    {
        ["domain key: encrypted PKCS#8"] = (s => s.DomainKey(Ec(ECCurve.NamedCurves.nistP384, k => k.ExportEncryptedPkcs8PrivateKeyPem("secret",
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)))), [DomainKeyFile, "encrypted"]),
        ["domain key: truncated to half"] = (s => s.DomainKey(KeyPem.NewP384()[..(KeyPem.NewP384().Length / 2)]), [DomainKeyFile, "PEM"]),
        ["domain key: body cut, footer kept"] = (s => s.DomainKey(BodyCut(KeyPem.NewP384())), [DomainKeyFile, "P-384"]),
        ["domain key: garbage"] = (s => s.DomainKey(Convert.ToBase64String(RandomNumberGenerator.GetBytes(300))), [DomainKeyFile, "PEM"]),
        ["domain key: empty"] = (s => s.DomainKey(""), [DomainKeyFile, "PEM"]),
        ["domain key: a certificate"] = (s => s.DomainKey(File.ReadAllText(s.Profile.Server.CaBundlePath)), [DomainKeyFile, "CERTIFICATE"]),
        ["domain key: a directory"] = (s =>
        {
            Directory.CreateDirectory(s.Profile.PathOf(DomainKeyFile));
            s.Domain["key"] = DomainKeyFile;
        }, [DomainKeyFile, "directory"]),
        ["domain key: ../../outside/missing.pem"] = (s => s.Domain["key"] = "../../outside/missing.pem", ["missing.pem", "no such key file"]),
        ["domain key: absolute path outside, missing"] = (s => s.Domain["key"] = s.Sandbox.OutsidePath("absent.pem"), ["absent.pem", "no such key file"]),
        ["default key file name is a directory"] = (s => Directory.CreateDirectory(s.Profile.PathOf(ShamanProfile.KeyFile(s.Name))),
            [".key.priv.pem", "is not a regular file"]),
        ["default key file name is a dangling symlink out of the profile"] = (s =>
            s.Symlink(ShamanProfile.KeyFile(s.Name), s.Sandbox.OutsidePath("planted.key")), [".key.priv.pem"]),
        ["authenticator: missing"] = (s => s.UseAuthenticator("missing.sh"), ["missing.sh", "not found"]),
        ["authenticator: not executable"] = (s =>
        {
            s.AuthenticatorScript("exit 0");
            File.SetUnixFileMode(s.Profile.PathOf(Authenticator), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }, [Authenticator, "chmod +x"]),
        ["authenticator: no #! line"] = (s =>
        {
            s.AuthenticatorScript("exit 0");
            File.WriteAllText(s.Profile.PathOf(Authenticator), "exit 0\n");
        }, [Authenticator, "cannot be started"]),
        ["authenticator: a directory"] = (s =>
        {
            Directory.CreateDirectory(s.Profile.PathOf(Authenticator));
            s.UseAuthenticator(Authenticator);
        }, [Authenticator]),
        ["authenticator: shell syntax is not run by a shell"] = (s => s.UseAuthenticator($"{ShamanProfile.Http01}; touch ../../outside/pwned"),
            ["not found"]),
        ["authenticator: killed by signal 9"] = (s => s.AuthenticatorScript("kill -9 $$"), [Authenticator, "signal 9"]),
        ["authenticator: exits 0 without publishing"] = (s => s.AuthenticatorScript("exit 0"), ["validation", Challenge.Http01]),
    };

    /// <summary>A domain key of another kind than P-384 (certbot's P-256, an RSA key) is a key of the administrator's, not
    /// a damaged file: it is never ordered with, but kept beside (mode 0600) and replaced by a new P-384 key, said once
    /// as a WARNING naming its kind.</summary>
    private static readonly Dictionary<string, (Func<string> Pem, string Kind)> ForeignDomainKeys = new()
    {
        ["RSA, PKCS#8"] = (() => Rsa(k => k.ExportPkcs8PrivateKeyPem()), "RSA"),
        ["RSA, PKCS#1"] = (() => Rsa(k => k.ExportRSAPrivateKeyPem()), "RSA"),
        ["P-256"] = (() => Ec(ECCurve.NamedCurves.nistP256, k => k.ExportPkcs8PrivateKeyPem()), "P-256"),
    };

    public static TheoryData<string> ForeignDomainKeyCases => new(ForeignDomainKeys.Keys);

    [Theory]
    [MemberData(nameof(ForeignDomainKeyCases))]
    public async Task A_domain_key_that_is_not_P384_is_kept_beside_and_a_new_P384_key_orders(string label)
    {
        var (pem, kind) = ForeignDomainKeys[label];
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("foreign-key");
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, name);
        var old = pem();
        File.WriteAllText(profile.PathOf(DomainKeyFile), old);
        File.SetUnixFileMode(profile.PathOf(DomainKeyFile), ShamanProfile.PrivateMode);
        config["domains"]![name]!["key"] = DomainKeyFile;
        profile.Write(config);

        var run = (await profile.RunAsync()).Exited(0);

        Assert.Single(run.Lines, l => l.StartsWith($"WARNING {name}: the key {DomainKeyFile} is ", StringComparison.Ordinal) && l.Contains(kind, StringComparison.Ordinal));
        var kept = Assert.Single(Directory.GetFiles(profile.Directory, DomainKeyFile + ".old-*"));
        Assert.Equal(old, File.ReadAllText(kept));
        Assert.Equal(ShamanProfile.PrivateMode, File.GetUnixFileMode(kept));
        using var key = profile.LoadKey(DomainKeyFile);
        Assert.Equal(384, key.KeySize);
        using var leaf = X509Certificate2.CreateFromPem(File.ReadAllText(profile.PathOf(ShamanProfile.CertificateFile(name))));
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), leaf.PublicKey.ExportSubjectPublicKeyInfo());
    }

    /// <summary>Profile-wide files that can be checked without the network: refused before anything is locked or
    /// written.</summary>
    private static readonly Dictionary<string, (Action<Setup> Arrange, string[] Says)> RefusedBeforeAnyWrite = new()
    {
        ["account key: RSA"] = (s => s.AccountKey(Rsa(k => k.ExportRSAPrivateKeyPem())), [AccountKeyFile, "RSA"]),
        ["account key: a directory"] = (s =>
        {
            Directory.CreateDirectory(s.Profile.PathOf(AccountKeyFile));
            s.Config["key"] = AccountKeyFile;
        }, [AccountKeyFile, "directory"]),
        ["caBundle: missing ../../outside/ca.pem"] = (s => s.Config["caBundle"] = "../../outside/ca.pem", ["ca.pem", "CA bundle"]),
        ["caBundle: a directory"] = (s => s.Config["caBundle"] = s.Sandbox.Outside, ["outside", "CA bundle"]),
        ["caBundle: a private key, no certificate"] = (s =>
        {
            File.WriteAllText(s.Sandbox.OutsidePath("not-a-ca.pem"), KeyPem.NewP384());
            s.Config["caBundle"] = s.Sandbox.OutsidePath("not-a-ca.pem");
        }, ["not-a-ca.pem", "no certificate"]),
        ["caBundle: a CERTIFICATE block of text, not DER"] = (s =>
        {
            File.WriteAllText(s.Sandbox.OutsidePath("text.pem"), PemEncoding.WriteString("CERTIFICATE", "not a certificate"u8));
            s.Config["caBundle"] = s.Sandbox.OutsidePath("text.pem");
        }, ["text.pem", "no certificate"]),
        ["account key: garbage"] = (s => s.AccountKey("not a key\n"), [AccountKeyFile, "no PEM block"]),
        ["account key: P-256"] = (s => s.AccountKey(Ec(ECCurve.NamedCurves.nistP256, k => k.ExportPkcs8PrivateKeyPem())), [AccountKeyFile, "256 bits"]),
    };

    public static TheoryData<string> RefusedCases => new(RefusedBeforeAnyWrite.Keys);

    [Theory]
    [MemberData(nameof(RefusedCases))]
    public async Task Bad_profile_file_is_refused_with_exit_2_and_one_line_before_anything_is_written(string label)
    {
        var (arrange, says) = RefusedBeforeAnyWrite[label];
        using var sandbox = new Sandbox();
        using var profile = new ShamanProfile(pebble.Server, sandbox.Nest);
        var name = ShamanProfile.UniqueName("refused");
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, name);
        arrange(new Setup(sandbox, profile, name, config));
        profile.Write(config);
        // Old enough that a rewrite within the same clock tick would still show.
        foreach (var path in Directory.EnumerateFileSystemEntries(sandbox.Root, "*", SearchOption.AllDirectories).Append(sandbox.Root))
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddDays(-1));
        var before = DirectorySnapshot.Take(sandbox.Root);

        var run = await profile.RunAsync();

        Assert.True(run.ExitCode == 2, $"{label}: expected exit status 2{Environment.NewLine}{run}");
        ShamanRefusal.AssertOneLine(run, says);
        DirectorySnapshot.AssertUnchanged(before, DirectorySnapshot.Take(sandbox.Root), label);
    }

    public static TheoryData<string> FailingCases => new(Failing.Keys);

    [Theory]
    [MemberData(nameof(FailingCases))]
    public async Task Bad_file_or_program_fails_its_domain_with_one_line_and_nothing_outside_changes(string label)
    {
        var (arrange, says) = Failing[label];
        using var sandbox = new Sandbox();
        using var profile = new ShamanProfile(pebble.Server, sandbox.Nest);
        var name = ShamanProfile.UniqueName("hostile");
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, name);
        arrange(new Setup(sandbox, profile, name, config));
        profile.Write(config);
        var keysBefore = KeyFiles(profile);
        var outside = sandbox.SnapshotOutside(profile.Directory);

        var run = (await profile.RunAsync()).Exited(1);

        var errors = run.ErrorLines.Where(l => !IsSummary(l)).ToList();
        var error = Assert.Single(errors);
        Assert.All(says, word => Assert.True(error.Contains(word, StringComparison.Ordinal), $"{label}: the ERROR line should say {word}{Environment.NewLine}{run}"));
        Assert.False(File.Exists(profile.PathOf(ShamanProfile.CertificateFile(name))), $"{label}: no certificate may be written");
        foreach (var (file, content) in keysBefore) Assert.Equal(content, File.ReadAllText(file));
        DirectorySnapshot.AssertUnchanged(outside, sandbox.SnapshotOutside(profile.Directory), label);
        profile.AssertNoTemporaryFiles();
    }

    /// <summary>A domain key that is a dangling symlink fails only its domain, with one ERROR line naming the domain
    /// and the file; the other domain is still worked on. (The symlink stands in for an unreadable key: tests run
    /// as root.)</summary>
    [Fact]
    public async Task Domain_key_behind_a_dangling_symlink_fails_only_its_domain()
    {
        using var sandbox = new Sandbox();
        using var profile = new ShamanProfile(pebble.Server, sandbox.Nest);
        var (broken, fine) = (ShamanProfile.UniqueName("dangling"), ShamanProfile.UniqueName("fine"));
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, broken, fine);
        var setup = new Setup(sandbox, profile, broken, config);
        setup.Symlink(DomainKeyFile, sandbox.OutsidePath("gone.pem"));
        setup.Domain["key"] = DomainKeyFile;
        profile.Write(config);
        var outside = sandbox.SnapshotOutside(profile.Directory);

        var run = (await profile.RunAsync()).Exited(1);

        using (profile.AssertCertificate(fine)) { }
        var error = Assert.Single(run.ErrorLines, l => !IsSummary(l));
        Assert.StartsWith($"ERROR {broken}: ", error, StringComparison.Ordinal);
        Assert.Contains(DomainKeyFile, error, StringComparison.Ordinal);
        DirectorySnapshot.AssertUnchanged(outside, sandbox.SnapshotOutside(profile.Directory), "dangling key symlink");
    }

    /// <summary>Reading a file from elsewhere is legitimate (a key kept in /etc/ssl/private, an authenticator in
    /// /usr/local/bin); writing there never is. A symlink in the profile is replaced, never written through. An
    /// authenticator for a challenge type shaman does not know is allowed (the README lists the three types it
    /// offers; ACME may add more, and the wire types accept unknown ones).</summary>
    private static readonly Dictionary<string, Action<Setup>> Legitimate = new()
    {
        ["domain key ../../outside/domain.pem"] = s =>
        {
            File.WriteAllText(s.Sandbox.OutsidePath("domain.pem"), KeyPem.NewP384());
            File.SetUnixFileMode(s.Sandbox.OutsidePath("domain.pem"), ShamanProfile.PrivateMode);
            s.Domain["key"] = "../../outside/domain.pem";
        },
        ["account key at an absolute path outside"] = s =>
        {
            File.WriteAllText(s.Sandbox.OutsidePath("account.pem"), KeyPem.NewP384());
            File.SetUnixFileMode(s.Sandbox.OutsidePath("account.pem"), ShamanProfile.PrivateMode);
            s.Config["key"] = s.Sandbox.OutsidePath("account.pem");
        },
        ["caBundle ../../outside/ca.pem"] = s =>
        {
            File.Copy(s.Profile.Server.CaBundlePath, s.Sandbox.OutsidePath("ca.pem"));
            s.Config["caBundle"] = "../../outside/ca.pem";
        },
        ["authenticator ../../outside/publish.sh"] = s =>
        {
            File.Copy(s.Profile.PathOf(ShamanProfile.Http01), s.Sandbox.OutsidePath("publish.sh"));
            s.UseAuthenticator("../../outside/publish.sh");
        },
        ["certificate file is a symlink to a file outside"] = s =>
            s.Symlink(ShamanProfile.CertificateFile(s.Name), s.Sandbox.OutsidePath("victim.pem")),
        ["unknown challenge type beside http-01"] = s => s.Config["authenticators"]!["frobnicate-01"] = "missing-program",
    };

    public static TheoryData<string> LegitimateCases => new(Legitimate.Keys);

    [Theory]
    [MemberData(nameof(LegitimateCases))]
    public async Task Files_read_from_outside_the_profile_work_but_nothing_is_written_there(string label)
    {
        using var sandbox = new Sandbox();
        using var profile = new ShamanProfile(pebble.Server, sandbox.Nest);
        var name = ShamanProfile.UniqueName("outside");
        var config = profile.Config(Challenge.Http01, ShamanProfile.Http01, name);
        Legitimate[label](new Setup(sandbox, profile, name, config));
        profile.Write(config);
        var outside = sandbox.SnapshotOutside(profile.Directory);

        var run = (await profile.RunAsync()).Exited(0);

        DirectorySnapshot.AssertUnchanged(outside, sandbox.SnapshotOutside(profile.Directory), label);
        var chain = PemChain.Read(profile.PathOf(ShamanProfile.CertificateFile(name)));
        Assert.Null(new FileInfo(profile.PathOf(ShamanProfile.CertificateFile(name))).LinkTarget);
        using var key = LoadKey(profile, profile.Read()["domains"]![name]!["key"]!.GetValue<string>());
        chain.AssertBelongsTo(key, name);
        Assert.Empty(run.ErrorLines);
    }

    // ---- certificate files that must not be trusted --------------------------------------------------------------

    /// <summary>Damage done to a current certificate file; shaman must fetch it again (or order a new one) rather
    /// than trust it.</summary>
    private static readonly Dictionary<string, Func<string, string, string>> Damages = new()
    {
        ["truncated inside the leaf"] = (pem, _) => pem[..(pem.IndexOf("-----END", StringComparison.Ordinal) / 2)],
        ["garbage"] = (_, _) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(2000)),
        ["empty"] = (_, _) => "",
        ["the chain of another key"] = (_, other) => other,
        ["leaf of another key, then the right chain"] = (pem, other) => other[..(other.IndexOf("-----END CERTIFICATE-----", StringComparison.Ordinal) + 26)] + pem,
    };

    public static TheoryData<string> DamageCases => new(Damages.Keys);

    [Theory]
    [MemberData(nameof(DamageCases))]
    public async Task Damaged_certificate_file_is_fetched_again_not_trusted(string label)
    {
        await AssertDamagedCertificateIsReplacedAsync(label, Damages[label]);
    }

    /// <summary>A certificate file whose leaf is intact but whose intermediate is cut off is not current: the chain
    /// is checked whole, not only its first PEM block, and fetched again, so the server does not keep serving a
    /// broken chain.</summary>
    [Fact]
    public async Task Certificate_file_truncated_inside_the_intermediate_is_fetched_again()
    {
        await AssertDamagedCertificateIsReplacedAsync("truncated inside the intermediate",
            (pem, _) => pem[..(pem.LastIndexOf("-----END", StringComparison.Ordinal) - 100)]);
    }

    [Fact]
    public async Task Stale_certificate_of_another_key_without_a_certificate_id_is_replaced_by_a_new_order()
    {
        using var sandbox = new Sandbox();
        using var profile = new ShamanProfile(pebble.Server, sandbox.Nest);
        var (name, other) = (ShamanProfile.UniqueName("stale"), ShamanProfile.UniqueName("other"));
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, other));
        (await profile.RunAsync()).Exited(0);
        // An administrator copies a certificate file in before the domain ever ran.
        File.Copy(profile.PathOf(ShamanProfile.CertificateFile(other)), profile.PathOf(ShamanProfile.CertificateFile(name)));
        var config = profile.Read();
        config["domains"]![name] = new JsonObject();
        profile.Write(config);

        var run = (await profile.RunAsync()).Exited(0);

        Assert.Contains(run.Lines, l => l.Contains($"{name}: created order", StringComparison.Ordinal));
        using var leaf = profile.AssertCertificate(name);
    }

    private async Task AssertDamagedCertificateIsReplacedAsync(string label, Func<string, string, string> damage)
    {
        using var sandbox = new Sandbox();
        using var profile = new ShamanProfile(pebble.Server, sandbox.Nest);
        var (name, other) = (ShamanProfile.UniqueName("damaged"), ShamanProfile.UniqueName("other"));
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, name, other));
        (await profile.RunAsync()).Exited(0);
        var path = profile.PathOf(ShamanProfile.CertificateFile(name));
        var good = File.ReadAllText(path);
        File.WriteAllText(path, damage(good, File.ReadAllText(profile.PathOf(ShamanProfile.CertificateFile(other)))));
        var outside = sandbox.SnapshotOutside(profile.Directory);

        var run = (await profile.RunAsync()).Exited(0);

        using var key = profile.LoadKey(ShamanProfile.KeyFile(name));
        PemChain.Read(path).AssertBelongsTo(key, name);
        Assert.Contains(run.Lines, l => l.Contains($"{name}: updating certificate", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Lines, l => l.Contains($"{other}: updating certificate", StringComparison.Ordinal));
        DirectorySnapshot.AssertUnchanged(outside, sandbox.SnapshotOutside(profile.Directory), label);
    }

    // ---- authenticators that misbehave ---------------------------------------------------------------------------

    [Fact]
    public async Task Authenticator_printing_5_MB_is_logged_truncated_in_bounded_memory()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var (calm, loud) = (ShamanProfile.UniqueName("calm"), ShamanProfile.UniqueName("loud"));
        // Each records shaman's peak resident memory (VmHWM) after publishing; the loud one prints 5 MB first,
        // then waits for shaman to have read it all. One at a time, so the calm peak is the baseline.
        profile.WriteScript("calm.sh", $"./{ShamanProfile.Http01} || exit 1\nsleep 0.3\ngrep VmHWM /proc/$PPID/status > calm.hwm");
        profile.WriteScript("loud.sh", $"./{ShamanProfile.Http01} || exit 1\nhead -c 5000000 /dev/zero | tr '\\0' x\necho\n" +
                                       "yes 0123456789012345678901234567890123456789 | head -c 2500000 >&2\nsleep 0.5\ngrep VmHWM /proc/$PPID/status > loud.hwm");
        var config = profile.Config(new JsonObject(), new JsonObject
        {
            [calm] = new JsonObject { ["authenticators"] = new JsonObject { [Challenge.Http01] = "calm.sh" } },
            [loud] = new JsonObject { ["authenticators"] = new JsonObject { [Challenge.Http01] = "loud.sh" } },
        });
        config["parallel"] = 1;
        profile.Write(config);

        var run = (await profile.RunAsync()).Exited(0);

        using (profile.AssertCertificate(loud)) { }
        var (baseline, peak) = (Kilobytes(profile.PathOf("calm.hwm")), Kilobytes(profile.PathOf("loud.hwm")));
        Assert.True(peak - baseline < 8 * 1024, $"peak memory grew by {peak - baseline} kB while reading 5 MB of output (baseline {baseline} kB)");
        Assert.True(run.Stdout.Length < 64 * 1024, $"the log holds {run.Stdout.Length} characters of a 5 MB output");
        Assert.Contains(run.Lines, l => l.Contains("loud.sh stdout", StringComparison.Ordinal) && l.Contains("not logged", StringComparison.Ordinal));
    }

    /// <summary>A background child of the authenticator that inherited its stdout and stderr (a standalone responder,
    /// `sleep 30 &amp;`) holds them open; shaman does not wait for it: once the authenticator itself has exited,
    /// shaman goes on (at the latest after authenticatorTimeout), instead of waiting for end of file.</summary>
    [Fact]
    public async Task Authenticator_leaving_a_background_child_on_its_stdout_does_not_hold_up_the_run()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("daemon");
        profile.WriteScript(Authenticator, $"./{ShamanProfile.Http01} || exit 1\nsleep 60 &\necho $! > child.pid\nexit 0");
        var config = profile.Config(Challenge.Http01, Authenticator, name);
        config["authenticatorTimeout"] = 2;
        profile.Write(config);
        try
        {
            // A normal run takes about a second; twelve leave room for the authenticatorTimeout and a slow machine.
            var run = (await ShamanProcess.RunAsync([profile.Directory], timeout: TimeSpan.FromSeconds(12))).Exited(0);

            using var leaf = profile.AssertCertificate(name);
        }
        finally
        {
            if (File.Exists(profile.PathOf("child.pid")) && int.TryParse(File.ReadAllText(profile.PathOf("child.pid")).Trim(), out var pid))
                try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } // already gone
        }
    }

    [Fact]
    public async Task Uppercase_name_gets_its_certificate_and_the_next_run_does_nothing()
    {
        using var profile = new ShamanProfile(pebble.Server);
        var name = ShamanProfile.UniqueName("UPPER").ToUpperInvariant();
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, name));

        (await profile.RunAsync()).Exited(0);
        var before = profile.Snapshot();
        var again = (await profile.RunAsync()).Exited(0);

        var chain = PemChain.Read(profile.PathOf(ShamanProfile.CertificateFile(name)));
        using var key = profile.LoadKey(ShamanProfile.KeyFile(name));
        chain.AssertBelongsTo(key, name.ToLowerInvariant());
        Assert.Equal(before, profile.Snapshot());
        Assert.DoesNotContain(again.Lines, l => l.StartsWith("INFO ", StringComparison.Ordinal));
    }

    // ---- the run lock must not be a way out of the profile -------------------------------------------------------

    /// <summary>A symlink planted as ".shaman.lock" is not followed (so shaman never creates the file it points to,
    /// outside the profile): refused with one line, exit 2, nothing appears outside.</summary>
    [Fact]
    public async Task Lock_file_symlink_pointing_out_of_the_profile_creates_nothing_there()
    {
        using var sandbox = new Sandbox();
        using var profile = new ShamanProfile(pebble.Server, sandbox.Nest);
        var name = ShamanProfile.UniqueName("lock-link");
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, name));
        File.CreateSymbolicLink(profile.PathOf(".shaman.lock"), sandbox.OutsidePath("created-by-shaman"));
        var outside = sandbox.SnapshotOutside(profile.Directory);

        var run = (await profile.RunAsync()).Exited(2);

        DirectorySnapshot.AssertUnchanged(outside, sandbox.SnapshotOutside(profile.Directory), ".shaman.lock symlink");
        Assert.Contains(".shaman.lock", run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A lock file that cannot be opened (a profile directory the user cannot write, or here a directory named
    /// .shaman.lock) is one line naming the lock file and what to do, exit 2, nothing changed — not a stack trace.</summary>
    [Fact]
    public async Task Lock_file_that_cannot_be_opened_is_one_line_and_exit_2()
    {
        using var sandbox = new Sandbox();
        using var profile = new ShamanProfile(pebble.Server, sandbox.Nest);
        profile.Write(profile.Config(Challenge.Http01, ShamanProfile.Http01, ShamanProfile.UniqueName("lock-dir")));
        Directory.CreateDirectory(profile.PathOf(".shaman.lock"));
        var before = DirectorySnapshot.Take(sandbox.Root);

        var run = (await profile.RunAsync()).Exited(2);

        var line = run.Stderr.TrimEnd('\n');
        Assert.False(line.Contains('\n'), $"one line:{Environment.NewLine}{run}");
        Assert.Contains(".shaman.lock", line, StringComparison.Ordinal);
        // The system's words for the error (EISDIR), not a number to look up.
        Assert.Contains("(Is a directory)", line, StringComparison.Ordinal);
        DirectorySnapshot.AssertUnchanged(before, DirectorySnapshot.Take(sandbox.Root), "lock directory");
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static bool IsSummary(string line) => line.StartsWith("ERROR ", StringComparison.Ordinal) && line.EndsWith(" domains failed", StringComparison.Ordinal);

    private static Dictionary<string, string> KeyFiles(ShamanProfile profile) =>
        Directory.EnumerateFiles(profile.Directory).Where(f => f.EndsWith(".pem", StringComparison.Ordinal) && new FileInfo(f).LinkTarget is null)
            .ToDictionary(f => f, File.ReadAllText);

    private static ECDsa LoadKey(ShamanProfile profile, string recorded)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(Path.GetFullPath(Path.Combine(profile.Directory, recorded))));
        return key;
    }

    private static long Kilobytes(string hwmFile) =>
        long.Parse(File.ReadAllText(hwmFile).Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries)[1]);

    private static string Ec(ECCurve curve, Func<ECDsa, string> export)
    {
        using var key = ECDsa.Create(curve);
        return export(key);
    }

    private static string Rsa(Func<RSA, string> export)
    {
        using var key = RSA.Create(2048);
        return export(key);
    }

    /// <summary>The PEM header, the first body line and the footer: well framed, but a damaged key.</summary>
    private static string BodyCut(string pem)
    {
        var lines = pem.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', lines[0], lines[1], lines[^1]) + "\n";
    }
}
