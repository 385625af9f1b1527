using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Concorde.Acme;
using Concorde.Acme.Files;

namespace Concorde.Shaman;

/// <summary>shaman.json as a JSON tree, so fields this version does not know survive a rewrite. Every change
/// is saved atomically before the caller goes on, except those set "later", which ride along with the next
/// save; changes from parallel domains are serialized. A save serializes only the domains that changed since the
/// last one (<see cref="ProfileText"/>), so its cost hardly grows with the number of domains.</summary>
public sealed class ProfileDocument
{
    /// <summary>A guard against reading something that is no profile, well above what a profile holds: 10,000 domains
    /// take about 3 MB, 4.5 MB with a full ARI schedule each.</summary>
    private const long MaxFileBytes = 16 * 1024 * 1024;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly JsonObject _root;
    /// <summary>Guards the tree: JsonObject is not safe for a read during a write, and parallel domains do both.</summary>
    private readonly Lock _tree = new();
    /// <summary>One writer at a time; a change that waited for it is often already on disk by then.</summary>
    private readonly SemaphoreSlim _writer = new(1, 1);
    private long _changes;
    private long _savedThrough;
    /// <summary>The file's text, kept per domain; guarded by <see cref="_tree"/>.</summary>
    private readonly ProfileText _text = new();

    private ProfileDocument(string directory, JsonObject root, FileStatus read, Action<string>? saved)
    {
        Directory = directory;
        _root = root;
        ReadFileStatus = read;
        _saved = saved;
    }

    /// <summary>Owner and mode of the shaman.json that was read, from its open descriptor.</summary>
    public FileStatus ReadFileStatus { get; }

    public string Directory { get; }
    public string FilePath => Path.Combine(Directory, ProfileSettings.FileName);

    /// <summary>Called after each successful save (with the text saved); tests count the saves through it.</summary>
    private readonly Action<string>? _saved;

    public static Task<ProfileDocument> LoadAsync(string directory, CancellationToken ct, Action<string>? saved = null)
    {
        ct.ThrowIfCancellationRequested();
        var root = ReadRoot(directory, out var read);
        return Task.FromResult(new ProfileDocument(directory, root, read, saved));
    }

    /// <summary>shaman.json's JSON object, read and checked the one way every reader of it uses; a
    /// <see cref="ProfileException"/> says what is wrong.</summary>
    public static JsonObject ReadRoot(string directory) => ReadRoot(directory, out _);

    private static JsonObject ReadRoot(string directory, out FileStatus read)
    {
        var path = Path.Combine(directory, ProfileSettings.FileName);
        byte[] bytes;
        try
        {
            bytes = RegularFile.ReadAll(path, MaxFileBytes, out read);
        }
        catch (FileNotFoundException)
        {
            throw new ProfileException($"{path}: not found. Create it, e.g. {{\"server\": \"https://acme-v02.api.letsencrypt.org/directory\", \"renewal\": 30, \"authenticators\": {{\"http-01\": \"/usr/local/bin/prove-challenge\"}}, \"domains\": {{\"example.com\": {{}}}}}}");
        }
        catch (RegularFileException e)
        {
            throw new ProfileException($"{path}: {e.Reason}; it must be a file holding the profile's JSON object");
        }
        catch (Exception e) when (ExpectedFailure.IsFileProblem(e))
        {
            throw new ProfileException($"{path}: cannot be read ({e.Message})");
        }
        if (bytes.Length == 0) throw new ProfileException($"{path}: is empty; it must hold the profile's JSON object");
        try
        {
            // System.Text.Json checks UTF-8 only when a value is read; check it all now, before anything runs.
            _ = StrictUtf8.GetCharCount(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new ProfileException($"{path}: not valid UTF-8 ({e.Message.TrimEnd('.')}); save the file as UTF-8");
        }
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "";
            throw new ProfileException($"{path}: not valid JSON{where}: {FirstSentence(e.Message)}");
        }
        if (node is not JsonObject root)
            throw new ProfileException($"{path}: must contain a JSON object ({{ ... }}), found {JsonFields.Kind(node)}");
        return root;
    }

    /// <summary>The tree for validation; callers must not change it directly.</summary>
    public JsonObject Root => _root;

    public string? Get(string field)
    {
        lock (_tree) return (_root[field] as JsonValue)?.GetValue<string>();
    }

    public string? Get(string domain, string field)
    {
        lock (_tree) return (Domain(domain)[field] as JsonValue)?.GetValue<string>();
    }

    /// <summary>A copy of a domain's field as it is in the file (number, object, ...), or null. A copy, because
    /// a parallel domain's save walks the whole tree, and a JsonObject read from the file is filled in lazily
    /// on its first use.</summary>
    public JsonNode? GetNode(string field)
    {
        lock (_tree) return _root[field]?.DeepClone();
    }

    public JsonNode? GetNode(string domain, string field)
    {
        lock (_tree) return Domain(domain)[field]?.DeepClone();
    }

    public Task SetAsync(string field, string value, CancellationToken ct) =>
        UpdateAsync(root => root[field] = value, Scope.Top(field), ct);

    public Task SetAsync(string domain, string field, string value, CancellationToken ct) =>
        UpdateAsync(_ => Domain(domain)[field] = value, Scope.Of(domain), ct);

    /// <summary>Sets a field now and writes it with the next save (or <see cref="SaveUnsavedAsync"/>): each save
    /// costs two fsyncs. Only for records whose loss in a crash costs nothing, such as the name of a key file
    /// that the next run adopts anyway.</summary>
    public Task SetLaterAsync(string field, string value, CancellationToken ct) =>
        UpdateAsync(root => root[field] = value, Scope.Top(field), ct, save: false);

    public Task SetLaterAsync(string domain, string field, string value, CancellationToken ct) =>
        UpdateAsync(_ => Domain(domain)[field] = value, Scope.Of(domain), ct, save: false);

    /// <summary>Writes what <see cref="SetLaterAsync(string, string, CancellationToken)"/> left unsaved, if anything.</summary>
    public Task SaveUnsavedAsync(CancellationToken ct) => UpdateAsync(null, Scope.Top(""), ct);

    public Task RemoveAsync(string domain, string field, CancellationToken ct) =>
        UpdateAsync(_ => Domain(domain).Remove(field), Scope.Of(domain), ct);

    /// <summary>Applies several changes to one domain and saves once.</summary>
    public Task UpdateDomainAsync(string domain, Action<JsonObject> change, CancellationToken ct) =>
        UpdateAsync(_ => change(Domain(domain)), Scope.Of(domain), ct);

    /// <summary>Changes anywhere in the tree, saved once; the next save serializes every domain again.</summary>
    public Task UpdateAllAsync(Action<JsonObject> change, CancellationToken ct) => UpdateAsync(change, Scope.Everything, ct);

    /// <summary>Changes to the profile's own fields only, never to "domains" or anything in it, saved once.</summary>
    public Task UpdateTopAsync(Action<JsonObject> change, CancellationToken ct) => UpdateAsync(change, Scope.Top(""), ct);

    public string ResolvePath(string relative) => Path.GetFullPath(Path.Combine(Directory, relative));

    /// <summary>Callers hold <see cref="_tree"/>.</summary>
    private JsonObject Domain(string domain) => (JsonObject)_root["domains"]![domain]!;

    /// <summary>Applies <paramref name="change"/> and, with <paramref name="save"/>, returns once the tree with it
    /// is on disk. Parallel domains' saves are coalesced: while one write (two fsyncs) is under way, the changes
    /// made meanwhile wait and go out together in the next one.</summary>
    private async Task UpdateAsync(Action<JsonObject>? change, Scope scope, CancellationToken ct, bool save = true)
    {
        long mine;
        lock (_tree)
        {
            if (change is not null)
            {
                change(_root);
                _changes++;
                if (scope.EveryDomain) _text.EveryDomainChanged();
                else if (scope.Domain is { } domain) _text.DomainChanged(domain);
            }
            mine = _changes;
        }
        if (!save) return;
        await _writer.WaitAsync(ct);
        try
        {
            ReadOnlyMemory<byte> text;
            long through;
            bool holdsSecret;
            lock (_tree)
            {
                if (_savedThrough >= mine) return;
                // Made under the lock (the tree may change as soon as it is released), in a buffer that only the
                // holder of the writer semaphore touches.
                text = _text.Text(_root);
                through = _changes;
                holdsSecret = _root["eab"] is not null;
            }
            // The profile names keys and the account, readable like the original's file — unless it holds an EAB MAC
            // key, which no one but its owner may read, whatever mode the file had.
            var mode = holdsSecret ? AtomicFile.PrivateMode : AtomicFile.PublicMode;
            await AtomicFile.WriteAsync(WritePath(), text, mode, overwrite: true, CancellationToken.None,
                ceiling: holdsSecret ? AtomicFile.PrivateMode : (UnixFileMode)0x1FF);
            _savedThrough = through;
            _saved?.Invoke(Encoding.ASCII.GetString(text.Span));
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>What a change touches, so the next save knows which domains' text to make again.</summary>
    private readonly record struct Scope(string? Domain, bool EveryDomain)
    {
        public static Scope Of(string domain) => new(domain, false);
        /// <summary>A top-level field; "domains" itself counts as every domain.</summary>
        public static Scope Top(string field) => new(null, field == "domains");
        public static readonly Scope Everything = new(null, true);
    }

    /// <summary>A shaman.json that is a symlink (e.g. kept in a configuration repository) is followed: its target is
    /// rewritten and keeps its mode, instead of the link being replaced by a copy.</summary>
    private string WritePath()
    {
        var path = FilePath;
        return File.ResolveLinkTarget(path, returnFinalTarget: true) is { } target ? Path.GetFullPath(target.FullName) : path;
    }

    private static string FirstSentence(string message)
    {
        // System.Text.Json's advice to change the reader options is for programmers, not for the file's author.
        foreach (var marker in new[] { " Path:", " LineNumber:", " Change the reader options" })
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
        }
        return message;
    }
}
