using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Concorde.Acme.Crypto;
using Concorde.Tests.Support;

namespace Concorde.Tests.Support;

/// <summary>
/// A scripted ACME CA for what Pebble 2.4 cannot show shaman (ARI, `replaces`, profiles): <see cref="ScriptedAcme"/>'s
/// directory (renewalInfo, meta.profiles "classic" and "shortlived") over a <see cref="ScriptedHandler"/>, that
/// really issues. newAccount creates <see cref="ScriptedAcme.AccountUrl"/>; newOrder answers a ready order for the
/// requested identifiers; finalize signs the CSR's key and subjectAltName with <see cref="Authority"/> (so every
/// certificate has an authority key identifier, hence an ARI certificate ID); the certificate URL serves the PEM
/// chain; renewalInfo of every certificate issued here suggests a window two months ahead. A request nothing
/// answers fails the run with the request in the message.
/// </summary>
internal sealed class ScriptedCa : IDisposable
{
    public const string CertificateUrlPrefix = ScriptedAcme.Base + "cert/";
    private const string PemChain = "application/pem-certificate-chain";

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<CertificateRequest> _csrs = [];
    private readonly List<X509Certificate2> _issued = [];
    private IReadOnlyList<ScriptedChallenge> _challenges = [];
    private string _authorizationStatus = "pending";
    private int _orders;
    private int _nonces;

    public ScriptedCa(TimeProvider time, bool renewalInfo = true)
    {
        _time = time;
        Handler = ScriptedAcme.CreateHandler(renewalInfo)
            .Always(HttpMethod.Post, ScriptedAcme.NewAccountUrl, _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.Created,
                """{"status":"valid","orders":"https://127.0.0.1/acme/acct/1/orders"}""", headers: ("Location", ScriptedAcme.AccountUrl))))
            .Always(HttpMethod.Post, ScriptedAcme.NewOrderUrl, NewOrder)
            // Asked after an "unauthorized" answer, to tell the account's refusal from the domain's: still valid.
            .Always(HttpMethod.Post, ScriptedAcme.AccountUrl, _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.OK,
                """{"status":"valid","orders":"https://127.0.0.1/acme/acct/1/orders"}""")));
    }

    public ScriptedHandler Handler { get; }

    /// <summary>What the certificate URL serves of the chain issued: a test may pad it.</summary>
    public Func<string, string> ServedChain { get; init; } = chain => chain;

    /// <summary>Headers of the certificate download, e.g. `Link: rel="alternate"` chains.</summary>
    public (string Name, string Value)[] CertificateHeaders { get; init; } = [];
    public ThrowawayCa Authority { get; } = new();

    /// <summary>The decoded newOrder payloads, in order.</summary>
    public IReadOnlyList<JsonElement> NewOrderPayloads =>
        Handler.RequestsTo(HttpMethod.Post, ScriptedAcme.NewOrderUrl).Select(ScriptedAcme.Payload).ToList();

    /// <summary>The CSRs finalize received, in order.</summary>
    public IReadOnlyList<CertificateRequest> Csrs
    {
        get
        {
            lock (_gate) return _csrs.ToList();
        }
    }

    /// <summary>renewalInfo requests for <paramref name="certificateId"/>.</summary>
    public int RenewalInfoRequests(string certificateId) => Handler.RequestsTo(HttpMethod.Get, RenewalInfoUrl(certificateId)).Count;

    public IReadOnlyList<ScriptedHandler.RecordedRequest> Posts => Handler.Requests.Where(r => r.Method == HttpMethod.Post).ToList();

    public static string RenewalInfoUrl(string certificateId) => $"{ScriptedAcme.RenewalInfoUrl}/{certificateId}";

    /// <summary>From now on renewalInfo for <paramref name="certificateId"/> suggests this window.</summary>
    public void SuggestWindow(string certificateId, DateTimeOffset start, DateTimeOffset end, TimeSpan? retryAfter = null)
    {
        var json = $$"""{"suggestedWindow":{"start":"{{Format(start)}}","end":"{{Format(end)}}"},"explanationURL":"https://127.0.0.1/why"}""";
        Handler.Always(HttpMethod.Get, RenewalInfoUrl(certificateId), _ => retryAfter is { } wait
            ? ScriptedHandler.Json(HttpStatusCode.OK, json, headers: ("Retry-After", ((int)wait.TotalSeconds).ToString()))
            : ScriptedHandler.Json(HttpStatusCode.OK, json));
    }

    /// <summary>The next fetch of the account object says its status is <paramref name="status"/>.</summary>
    public void AnswerAccountStatusOnce(string status) =>
        Handler.Once(HttpMethod.Post, ScriptedAcme.AccountUrl, _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.OK, $$"""{"status":"{{status}}"}""")));

    /// <summary>The next newOrder gets this problem instead of an order.</summary>
    public void RefuseNextOrder(HttpStatusCode status, string type, string detail) =>
        Handler.Once(HttpMethod.Post, ScriptedAcme.NewOrderUrl, _ => WithNonce(ScriptedHandler.Problem(status, type, detail)));

    /// <summary>From now on an order is pending on one authorization for its first identifier, offering these
    /// challenges in this order; answering one calls its <see cref="ScriptedChallenge.Validate"/>, whose verdict
    /// decides the authorization (and, when valid, makes the order ready).</summary>
    public void RequireChallenges(params ScriptedChallenge[] challenges) => _challenges = challenges;

    /// <summary>The status the authorizations of later orders start in (e.g. "deactivated"), while the order stays pending.</summary>
    public void StartAuthorizationsAs(string status) => _authorizationStatus = status;

    private HttpResponseMessage NewOrder(HttpRequestMessage request)
    {
        var payload = Payload(request);
        var number = Interlocked.Increment(ref _orders);
        var orderUrl = $"{ScriptedAcme.Base}order/{number}";
        var finalizeUrl = $"{orderUrl}/finalize";
        var certificateUrl = $"{CertificateUrlPrefix}{number}";
        var identifiers = payload.GetProperty("identifiers").GetRawText();
        var authorizations = _challenges.Count == 0 ? "[]" : $"[\"{orderUrl}/authz\"]";
        string Order(string status, string extra) =>
            $$"""{"status":"{{status}}","identifiers":{{identifiers}},"authorizations":{{authorizations}},"finalize":"{{finalizeUrl}}"{{extra}}}""";

        var firstStatus = _challenges.Count == 0 ? "ready" : "pending";
        Handler.Always(HttpMethod.Post, orderUrl, _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.OK, Order(firstStatus, ""))));
        if (_challenges.Count > 0)
            ServeAuthorization(orderUrl, payload.GetProperty("identifiers")[0].GetProperty("value").GetString()!,
                () => Handler.Always(HttpMethod.Post, orderUrl, _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.OK, Order("ready", "")))));
        Handler.Always(HttpMethod.Post, finalizeUrl, finalize =>
        {
            var chain = ServedChain(Issue(Payload(finalize).GetProperty("csr").GetString()!));
            Handler.Always(HttpMethod.Post, certificateUrl, _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.OK, chain, PemChain, CertificateHeaders)));
            var valid = Order("valid", $",\"certificate\":\"{certificateUrl}\"");
            Handler.Always(HttpMethod.Post, orderUrl, _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.OK, valid)));
            return WithNonce(ScriptedHandler.Json(HttpStatusCode.OK, valid));
        });
        return WithNonce(ScriptedHandler.Json(HttpStatusCode.Created, Order(firstStatus, ""), headers: ("Location", orderUrl)));
    }

    /// <summary>The authorization at &lt;order&gt;/authz and its challenges at &lt;order&gt;/chall/&lt;n&gt;.</summary>
    private void ServeAuthorization(string orderUrl, string name, Action ready)
    {
        var challenges = _challenges;
        var statuses = challenges.Select(_ => "pending").ToArray();
        var errors = new string?[challenges.Count];
        var authorizationStatus = _authorizationStatus;
        string ChallengeJson(int i)
        {
            var c = challenges[i];
            var token = c.Token is null ? "" : $",\"token\":\"{c.Token}\"";
            var error = errors[i] is null ? "" : $",\"error\":{{\"type\":\"urn:ietf:params:acme:error:unauthorized\",\"detail\":\"{errors[i]}\"}}";
            return $$"""{"type":"{{c.Type}}","url":"{{orderUrl}}/chall/{{i}}","status":"{{statuses[i]}}"{{token}}{{c.ExtraJson}}{{error}}}""";
        }
        string AuthorizationJson()
        {
            lock (_gate)
                return $$"""{"identifier":{"type":"dns","value":"{{name}}"},"status":"{{authorizationStatus}}","challenges":[{{string.Join(",", challenges.Select((_, i) => ChallengeJson(i)))}}]}""";
        }
        Handler.Always(HttpMethod.Post, $"{orderUrl}/authz", _ => WithNonce(ScriptedHandler.Json(HttpStatusCode.OK, AuthorizationJson())));
        for (var i = 0; i < challenges.Count; i++)
        {
            var index = i;
            Handler.Always(HttpMethod.Post, $"{orderUrl}/chall/{index}", _ =>
            {
                var problem = challenges[index].Validate(name);
                lock (_gate)
                {
                    statuses[index] = problem is null ? "valid" : "invalid";
                    errors[index] = problem;
                    authorizationStatus = statuses[index];
                }
                if (problem is null) ready();
                string json;
                lock (_gate) json = ChallengeJson(index);
                return WithNonce(ScriptedHandler.Json(HttpStatusCode.OK, json));
            });
        }
    }

    /// <summary>Signs the CSR's key and names for 90 days, registers renewalInfo for it and returns the PEM chain.</summary>
    private string Issue(string csr)
    {
        var request = CertificateRequest.LoadSigningRequest(Base64Url.DecodeFromChars(csr), HashAlgorithmName.SHA384,
            CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        var san = request.CertificateExtensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        var now = _time.GetUtcNow();
        var leaf = Authority.Issue(request.PublicKey, san, request.SubjectName, now.AddHours(-1), now.AddDays(90));
        lock (_gate)
        {
            _csrs.Add(request);
            _issued.Add(leaf);
        }
        SuggestWindow(CertificateId.For(leaf), now.AddDays(60), now.AddDays(62), TimeSpan.FromHours(6));
        return Authority.ChainPem(leaf);
    }

    private HttpResponseMessage WithNonce(HttpResponseMessage response)
    {
        response.Headers.Add("Replay-Nonce", $"ca-nonce-{Interlocked.Increment(ref _nonces)}");
        return response;
    }

    /// <summary>The JWS payload of a request the client signed (its body is already buffered).</summary>
    private static JsonElement Payload(HttpRequestMessage request)
    {
        using var jws = JsonDocument.Parse(request.Content!.ReadAsStream());
        using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(jws.RootElement.GetProperty("payload").GetString()));
        return payload.RootElement.Clone();
    }

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    public void Dispose()
    {
        lock (_gate)
            foreach (var certificate in _issued) certificate.Dispose();
        Authority.Dispose();
        Handler.Dispose();
    }
}

/// <summary>A challenge the scripted CA offers. <paramref name="Validate"/> gets the identifier's name and returns
/// null when the response is right, else the problem detail the CA records. <paramref name="ExtraJson"/> is added
/// to the challenge object as it is (",\"member\":...").</summary>
internal sealed record ScriptedChallenge(string Type, string? Token, Func<string, string?> Validate, string ExtraJson = "");

/// <summary>A throwaway ECDSA P-256 issuing CA with a subject key identifier; its leaves carry the matching
/// authority key identifier, which ARI certificate IDs are made of (RFC 9773 §4.1).</summary>
internal sealed class ThrowawayCa : IDisposable
{
    private readonly X509Certificate2 _certificate;
    private readonly X509SubjectKeyIdentifierExtension _keyIdentifier;

    public ThrowawayCa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=Throwaway Test CA {Convert.ToHexString(RandomNumberGenerator.GetBytes(4))}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, critical: true));
        _keyIdentifier = new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false);
        request.CertificateExtensions.Add(_keyIdentifier);
        _certificate = request.CreateSelfSigned(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2049, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    /// <summary>A certificate for the key, names and subject given, valid from <paramref name="notBefore"/> to <paramref name="notAfter"/>.</summary>
    public X509Certificate2 Issue(PublicKey key, X509Extension subjectAlternativeName, X500DistinguishedName subject,
        DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(subjectAlternativeName);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(_keyIdentifier));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        return request.Create(_certificate, notBefore, notAfter, serial);
    }

    /// <summary>A certificate for <paramref name="key"/> naming <paramref name="names"/> (DNS names).</summary>
    public X509Certificate2 Issue(ECDsa key, IEnumerable<string> names, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names) san.AddDnsName(name);
        return Issue(new PublicKey(key), san.Build(), new X500DistinguishedName(""), notBefore, notAfter);
    }

    /// <summary>The PEM chain as a CA sends it: the leaf, then this CA.</summary>
    public string ChainPem(X509Certificate2 leaf) => leaf.ExportCertificatePem() + "\n" + _certificate.ExportCertificatePem() + "\n";

    public void Dispose() => _certificate.Dispose();
}
