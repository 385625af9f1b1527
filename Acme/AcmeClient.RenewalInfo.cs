using Concorde.Acme.Problems;
using Concorde.Acme.Wire;

namespace Concorde.Acme;

/// <summary>ACME Renewal Information (RFC 9773).</summary>
public sealed partial class AcmeClient
{
    public bool SupportsRenewalInfo => Directory.RenewalInfo is not null;

    /// <summary>§4.2: an unauthenticated GET of renewalInfo/&lt;certificate id&gt;. The Retry-After of the
    /// answer says when to ask again.</summary>
    public async Task<AcmeResource<RenewalInfo>> GetRenewalInfoAsync(string certificateId, CancellationToken ct)
    {
        var baseUrl = Directory.RenewalInfo ?? throw new AcmeProtocolException($"{DirectoryUrl} does not offer renewal information (ARI)");
        var url = new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/" + certificateId);
        var response = await SendAsync(HttpMethod.Get, url, sign: null, accept: null, ct);
        var info = response.ToResource(AcmeJsonContext.Default.RenewalInfo);
        if (info.Value.SuggestedWindow.End < info.Value.SuggestedWindow.Start)
            throw new AcmeProtocolException($"{url} sent a suggested window that ends before it starts");
        return info;
    }
}
