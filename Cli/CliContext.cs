using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Concorde.Acme;
using Concorde.Acme.Http;
using Concorde.Acme.Keys;
using Concorde.Acme.Problems;

namespace Concorde.Cli;

/// <summary>What every leaf command gets: the printer, the clock, the CA bundle to trust, how to make the
/// HttpClient (tests substitute a scripted one), and the cancellation token.</summary>
internal sealed class CliContext(CliEnvironment environment, OutputPrinter printer, string? caBundle,
    Func<X509Certificate2Collection?, HttpClient> createHttpClient, CancellationToken cancellation)
{
    /// <summary>What the command connected to, once it has: the hints after a problem depend on it.</summary>
    private CommandTarget? _target;

    public OutputPrinter Printer { get; } = printer;
    public CancellationToken Cancellation { get; } = cancellation;
    public string? EabHmacKeyFromEnvironment => environment.EabHmacKeyFromEnvironment;

    /// <summary>Loads the key of <paramref name="target"/> (a bad key file fails before any network traffic),
    /// then fetches the server's directory (RFC 8555 §7.1.1).</summary>
    public async Task<ServerSession> ConnectAsync(CommandTarget target)
    {
        _target = target;
        var key = target.KeyPath is null ? null : await KeyFile.LoadAsync(target.KeyPath, Cancellation);
        try
        {
            return await ConnectAsync(target.Server, key, target.AccountUrl);
        }
        catch
        {
            key?.Dispose();
            throw;
        }
    }

    /// <summary>The shape of most leaf commands: connect, do one thing, print the server object it returns under
    /// a `<paramref name="kind"/>: <url>` header.</summary>
    public async Task<int> PrintAsync<T>(CommandTarget target, string kind,
        Func<ServerSession, CancellationToken, Task<AcmeResource<T>>> operation)
    {
        using var session = await ConnectAsync(target);
        var resource = await operation(session, Cancellation);
        Printer.Resource(kind, resource.Location, resource.Json);
        return ExitCodes.Success;
    }

    /// <summary>What the person may have mixed up when the server refused a request of this command: a
    /// <c>&lt;server&gt;</c> that is not a directory (e.g. the account URL, with `reg`'s operands swapped), or a
    /// key that is not the key of <c>&lt;account id&gt;</c>. Decided on the request and the problem's type, never
    /// on the server's text.</summary>
    public IEnumerable<string> HintsFor(AcmeProblemException e)
    {
        if (_target is not { } target || e.RecordedOnResource) yield break;
        if (e.Method == HttpMethod.Get && e.Url == target.Server)
            yield return target.AccountUrl is null
                ? $"is {target.Server} the ACME directory URL?"
                : $"is {target.Server} the ACME directory URL? `reg` takes <key> <account id> <server>, in that order";
        // Every POST of a `reg` command is signed with kid = <account id> (RFC 8555 §6.2).
        else if (target is { AccountUrl: { } account, KeyPath: { } key } && e.Method == HttpMethod.Post
                 && e.Kind is ProblemKind.Malformed or ProblemKind.Unauthorized or ProblemKind.AccountDoesNotExist)
            yield return $"is {key} the key of account {account}? (`concorde unreg {key} {target.Server} status` finds the account of a key)";
    }

    private async Task<ServerSession> ConnectAsync(Uri server, ECDsa? key, Uri? accountUrl)
    {
        var roots = caBundle is null ? null : AcmeHttpClientFactory.LoadTrustedRoots(caBundle);
        var http = createHttpClient(roots);
        try
        {
            // Retries and long waits are told on stderr, so a hanging server is not minutes of silence.
            var options = new AcmeClientOptions { Progress = Printer.Note };
            var client = await AcmeClient.CreateAsync(http, server, environment.Time, options, Cancellation);
            return new ServerSession(http, client, key, accountUrl);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }
}

/// <summary>Where a command acts: the directory URL, and for `unreg`/`reg` the key file and (for `reg`) the
/// account URL, all checked before anything is read or sent.</summary>
internal sealed record CommandTarget(Uri Server, string? KeyPath = null, Uri? AccountUrl = null);

/// <summary>One server connection, and the command's key, for the length of a command.</summary>
internal sealed class ServerSession(HttpClient http, AcmeClient client, ECDsa? key, Uri? accountUrl) : IDisposable
{
    public AcmeClient Client { get; } = client;

    /// <summary>The key given on the command line (`unreg`: any key; `reg`: the account key).</summary>
    public ECDsa Key => key ?? throw new InvalidOperationException("this command was routed without a key");

    /// <summary>The account key with its URL; requests are signed with `kid` (RFC 8555 §6.2).</summary>
    public AcmeAccountKey Account => new(Key, accountUrl ?? throw new InvalidOperationException("this command was routed without an account id"));

    public void Dispose()
    {
        http.Dispose();
        key?.Dispose();
    }
}
