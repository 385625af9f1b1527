using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Contrib;

/// <summary>contrib/notify/webhook, run as shaman runs a notify program, POSTing to an HTTP server on loopback in
/// the test process: the JSON it sends survives quotes, backslashes and tabs in the summary, and a refusing server
/// fails it.</summary>
public sealed class NotifyWebhookTests
{
    private const string Summary = "ERROR b.example: the CA said \"no\" \\ twice\tthen\nWARNING c.example: skipped\n";

    [Fact]
    public async Task Posts_the_event_domains_and_summary_as_json()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        await using var server = new WebhookServer(HttpStatusCode.NoContent);

        var run = await RunAsync(ct, ("NOTIFY_WEBHOOK_URL", server.Url));

        run.Succeeded();
        var request = Assert.Single(server.Requests);
        Assert.Equal("application/json", request.ContentType);
        var json = JsonNode.Parse(request.Body)!.AsObject();
        Assert.Equal("failure", json["event"]!.GetValue<string>());
        Assert.Equal("/etc/shaman/example", json["profile"]!.GetValue<string>());
        Assert.Equal(["b.example", "c.example"], json["failed"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal(["c.example"], json["deployFailed"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal(["a.example"], json["recovered"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal(Summary.TrimEnd('\n'), json["summary"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_server_error_fails_naming_the_url()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;
        await using var server = new WebhookServer(HttpStatusCode.InternalServerError);

        var run = await RunAsync(ct, ("NOTIFY_WEBHOOK_URL", server.Url));

        run.FailedNaming($"POST to {server.Url} failed");
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Without_a_url_it_fails_naming_the_variable()
    {
        var ct = TestDeadline.Start(out var deadline);
        using var _ = deadline;

        (await RunAsync(ct)).FailedNaming("NOTIFY_WEBHOOK_URL");
    }

    private static Task<ScriptRun> RunAsync(CancellationToken ct, params (string Name, string Value)[] settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["CONCORDE_EVENT"] = "failure",
            ["CONCORDE_PROFILE"] = "/etc/shaman/example",
            ["CONCORDE_FAILED_DOMAINS"] = "b.example c.example",
            ["CONCORDE_DEPLOY_FAILED_DOMAINS"] = "c.example",
            ["CONCORDE_RECOVERED_DOMAINS"] = "a.example",
        };
        foreach (var (name, value) in settings) environment[name] = value;
        return ContribScript.RunAsync(ContribScript.NotifyWebhook, Summary, environment, ct);
    }

    /// <summary>An HttpListener on a free loopback port that answers every request with one status and keeps it.</summary>
    private sealed class WebhookServer : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly List<(string? ContentType, string Body)> _requests = [];
        private readonly Task _serving;

        public WebhookServer(HttpStatusCode status)
        {
            Url = $"http://127.0.0.1:{FreePorts.GetTcpPort()}/hook/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _serving = ServeAsync(status);
        }

        public string Url { get; }

        public IReadOnlyList<(string? ContentType, string Body)> Requests
        {
            get
            {
                lock (_requests) return [.. _requests];
            }
        }

        private async Task ServeAsync(HttpStatusCode status)
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
                {
                    var body = await reader.ReadToEndAsync();
                    lock (_requests) _requests.Add((context.Request.ContentType, body));
                }
                context.Response.StatusCode = (int)status;
                context.Response.Close();
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Close();
            await _serving;
        }
    }
}
