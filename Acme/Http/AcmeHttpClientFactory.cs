using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Concorde.Acme.Files;

namespace Concorde.Acme.Http;

/// <summary>Creates the one HttpClient a process uses to talk to ACME servers. TLS is always verified.</summary>
public static class AcmeHttpClientFactory
{
    /// <summary>No legitimate ACME response comes near this; a larger body is refused, not buffered.</summary>
    public const int MaxResponseBytes = 4 * 1024 * 1024;

    public static HttpClient Create(string userAgent, X509Certificate2Collection? trustedRoots = null,
        TimeSpan? connectTimeout = null, TimeSpan? requestTimeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(15),
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = true,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        if (trustedRoots is { Count: > 0 })
        {
            // Trusting exactly the given roots also keeps .NET from loading the whole system store on the
            // first chain build, which costs tens of milliseconds per process.
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(trustedRoots);
            handler.SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
        }
        var client = new HttpClient(handler, disposeHandler: true)
        {
            Timeout = requestTimeout ?? TimeSpan.FromSeconds(60),
            MaxResponseContentBufferSize = MaxResponseBytes,
        };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("concorde", userAgent));
        client.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("en"));
        return client;
    }

    /// <summary>Far more than a system's whole bundle of roots (about 200 KiB).</summary>
    public const long MaxCaBundleBytes = 16 * 1024 * 1024;

    /// <summary>Reads a PEM bundle of CA certificates; the message names the file on failure.</summary>
    public static X509Certificate2Collection LoadTrustedRoots(string pemPath)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPem(SmallTextFile.Read(pemPath, MaxCaBundleBytes));
        }
        catch (RegularFileException e)
        {
            throw new FileContentException($"{pemPath}: cannot read the CA bundle: it {e.Reason}");
        }
        catch (Exception e) when (ExpectedFailure.IsFileProblem(e))
        {
            throw new IOException($"{pemPath}: cannot read the CA bundle ({e.Message})", e);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new FileContentException($"{pemPath}: cannot read the CA bundle ({e.Message})", e);
        }
        if (roots.Count == 0) throw new FileContentException($"{pemPath}: the CA bundle contains no certificate");
        return roots;
    }
}
