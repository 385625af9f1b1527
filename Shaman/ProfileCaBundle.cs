using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Concorde.Acme.Files;

namespace Concorde.Shaman;

/// <summary>The CA bundle a `shaman` run will trust, found synchronously before the run starts, so the
/// composition root can point OpenSSL's default store at it while the process still has one thread.</summary>
public static class ProfileCaBundle
{
    private const long MaxFileBytes = 4 * 1024 * 1024;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The full path of shaman.json's "caBundle", else of <paramref name="fromEnvironment"/>, both
    /// relative to the profile directory named in <paramref name="args"/>; null when there is none or the
    /// profile cannot be read or is invalid (the run itself then says why).</summary>
    public static string? Find(IReadOnlyList<string> args, string? fromEnvironment)
    {
        var (options, _) = ShamanOptions.Parse(args);
        if (options is null || options.Help || options.Version) return null;
        var directory = Path.GetFullPath(options.ProfileDirectory);
        try
        {
            var bytes = RegularFile.ReadAll(Path.Combine(directory, ProfileSettings.FileName), MaxFileBytes);
            // Parsed as ProfileDocument parses it, so a file the run refuses is refused here too, not thrown.
            _ = StrictUtf8.GetCharCount(bytes);
            var strict = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow, AllowDuplicateProperties = false };
            var bundle = JsonNode.Parse(bytes, documentOptions: strict) is JsonObject root
                ? ProfileSettings.Parse(root).CaBundle ?? fromEnvironment
                : null;
            return string.IsNullOrEmpty(bundle) ? null : Path.GetFullPath(Path.Combine(directory, bundle));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or RegularFileException or DecoderFallbackException
                                      or JsonException or ProfileException)
        {
            return null;
        }
    }
}
