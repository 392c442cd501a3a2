using BillingFunctions.Accounts;

namespace BillingFunctions.Effects;

/// <summary>
/// Builds one cut-off attempt exactly as the self-hosted server sends it: <c>GET {url}?userId=…</c> with the event id,
/// a timestamp, the attempt number and the HMAC signature. Null when there is nowhere to call.
/// </summary>
public static class CutoffRequests
{
    public static HttpRequestMessage? Build(CutoffCall call, BillingSettings settings, long unixSeconds, int attempt)
    {
        if ((call.Url ?? settings.CutoffUrl) is not { } url)
            return null;
        var request = new HttpRequestMessage(HttpMethod.Get, CutoffSignature.Target(url, call.AccountId));
        request.Headers.Add(CutoffSignature.EventIdHeader, call.EventId);
        request.Headers.Add(CutoffSignature.TimestampHeader, unixSeconds.ToString());
        request.Headers.Add(CutoffSignature.AttemptHeader, attempt.ToString());
        if (settings.WebhookSecret is { } secret)
            request.Headers.Add(CutoffSignature.SignatureHeader, CutoffSignature.Compute(secret, unixSeconds, call.EventId, call.AccountId));
        return request;
    }
}
