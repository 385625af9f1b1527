using System.Buffers.Text;
using System.Security.Cryptography;
using Concorde.Acme.Crypto;
using Concorde.Acme.Problems;
using Concorde.Acme.Wire;

namespace Concorde.Acme;

/// <summary>Orders (RFC 8555 §7.4).</summary>
public sealed partial class AcmeClient
{
    public async Task<AcmeResource<Order>> NewOrderAsync(AcmeAccountKey account, NewOrderPayload order, CancellationToken ct)
    {
        if (order.Identifiers.Count == 0) throw new ArgumentException("an order needs at least one identifier", nameof(order));
        var newOrder = Require(Directory.NewOrder, "newOrder");
        var response = await PostAsync(newOrder, account, Json(order, AcmeJsonContext.Default.NewOrderPayload), ct);
        return RequireLocation(response, "newOrder").ToResource(AcmeJsonContext.Default.Order);
    }

    public Task<AcmeResource<Order>> GetOrderAsync(AcmeAccountKey account, Uri orderUrl, CancellationToken ct) =>
        PostForResourceAsync(orderUrl, account, PostAsGet, AcmeJsonContext.Default.Order, ct);

    /// <summary>Sends the CSR (§7.4). The certificate key must not be the account key: a CA must refuse it
    /// (§11.1), and a shared key would let anyone holding the certificate key control the account. An
    /// orderNotReady answer is the one place that tells a lagging server or a lost answer from an order that
    /// truly is not ready (see <see cref="AfterOrderNotReadyAsync"/>).</summary>
    public async Task<AcmeResource<Order>> FinalizeAsync(AcmeAccountKey account, AcmeResource<Order> order,
        ECDsa certificateKey, CancellationToken ct)
    {
        if (Jwk.SameKey(certificateKey, account.Key))
            throw new ArgumentException("the certificate key must differ from the account key", nameof(certificateKey));
        var finalize = order.Value.Finalize ?? throw new AcmeProtocolException($"order {order.Location} has no finalize URL");
        var csr = CsrBuilder.Build(certificateKey, order.Value.Identifiers);
        var payload = Json(new FinalizePayload(Base64Url.EncodeToString(csr)), AcmeJsonContext.Default.FinalizePayload);
        try
        {
            return Finalized(await PostAsync(finalize, account, payload, ct), order);
        }
        catch (AcmeProblemException e) when (e.Kind == ProblemKind.OrderNotReady)
        {
            var current = await AfterOrderNotReadyAsync(account, order.Location, ct);
            if (current.Value.Status is AcmeStatus.Processing or AcmeStatus.Valid) return current;
            if (current.Value.Status is not AcmeStatus.Ready) throw;
        }
        return Finalized(await PostAsync(finalize, account, payload, ct), order);
    }

    /// <summary>§7.4: "A request to finalize an order will result in an error if the order is not in the 'ready'
    /// state." The order as it is now: processing or valid when an earlier finalize whose answer was lost went
    /// through (the caller continues with it, and checks the certificate's key, as it always must); ready, after
    /// polling it while pending, when every authorization is valid but the server had not caught up yet (§7.1.6:
    /// an order is ready once all its authorizations are valid); otherwise as the server says it is.</summary>
    private async Task<AcmeResource<Order>> AfterOrderNotReadyAsync(AcmeAccountKey account, Uri orderUrl, CancellationToken ct)
    {
        var current = await GetOrderAsync(account, orderUrl, ct);
        if (current.Value.Status != AcmeStatus.Pending) return current;
        foreach (var authorizationUrl in current.Value.Authorizations)
            if ((await GetAuthorizationAsync(account, authorizationUrl, ct)).Value.Status != AcmeStatus.Valid)
                return current;
        return await PollAsync(current, o => o.Status == AcmeStatus.Pending, () => GetOrderAsync(account, orderUrl, ct),
            $"readiness of order {orderUrl}", ct);
    }

    /// <summary>The finalize response is the order, but its Location header (if any) is not the order's URL.</summary>
    private static AcmeResource<Order> Finalized(AcmeResponse response, AcmeResource<Order> order) =>
        response.ToResource(AcmeJsonContext.Default.Order) with { Location = order.Location };

    /// <summary>Polls the order until it leaves pending/processing: ready after its authorizations, valid after
    /// finalize. Any other state raises the order's error problem, or one naming the state: an order whose
    /// authorization was deactivated never becomes ready (RFC 8555 §7.1.6 says invalid; Pebble says deactivated).</summary>
    public async Task<AcmeResource<Order>> WaitForOrderAsync(AcmeAccountKey account, AcmeResource<Order> order, CancellationToken ct)
    {
        var result = await PollAsync(order, o => o.Status is AcmeStatus.Pending or AcmeStatus.Processing,
            () => GetOrderAsync(account, order.Location, ct), $"issuance of order {order.Location}", ct);
        if (result.Value.Status is not (AcmeStatus.Ready or AcmeStatus.Valid))
            throw AcmeProblemException.RecordedOn(result.Location,
                result.Value.Error ?? new Problem { Detail = $"the order became {AcmeStatusConverter.Name(result.Value.Status)}" });
        return result;
    }

    /// <summary>Polls while <paramref name="pending"/> holds, waiting Retry-After when the server sends it,
    /// else an interval that doubles from <see cref="AcmeClientOptions.PollInitialInterval"/>. Never less than
    /// that initial interval, so "Retry-After: 0" cannot turn polling into a busy loop.</summary>
    private async Task<AcmeResource<T>> PollAsync<T>(AcmeResource<T> current, Func<T, bool> pending,
        Func<Task<AcmeResource<T>>> fetch, string what, CancellationToken ct)
    {
        var started = _time.GetUtcNow();
        var deadline = started + Options.PollTimeout;
        var interval = Options.PollInitialInterval;
        var first = true;
        while (pending(current.Value))
        {
            var wait = current.RetryAfter is { } retryAfter
                ? (retryAfter < Options.PollInitialInterval ? Options.PollInitialInterval : retryAfter)
                : first ? Options.PollFirstInterval : interval;
            var now = _time.GetUtcNow();
            if (now + wait > deadline)
                throw new AcmeTimeoutException(current.RetryAfter is not null
                    ? $"{what} is not done and the server asks to wait {wait.TotalSeconds:0} s more, beyond the polling limit of {Options.PollTimeout.TotalSeconds:0} s; the next run continues"
                    : $"{what} is still not done after {Options.PollTimeout.TotalSeconds:0} s; the next run continues");
            if (now - started >= Options.ProgressAfter)
                Options.Progress?.Invoke($"waiting for {what}, {(now - started).TotalSeconds:0} s");
            await Task.Delay(wait, _time, ct);
            if (!first || current.RetryAfter is not null)
                interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, Options.PollMaxInterval.Ticks));
            first = false;
            current = await fetch();
        }
        return current;
    }
}
