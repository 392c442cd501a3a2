using BillingFunctions.Accounts;

namespace BillingFunctions.Effects;

/// <summary>
/// Builds one cut-off attempt (the same request as the self-hosted server's), to the account's own URL or the app's
/// default. Null when there is nowhere to call.
/// </summary>
public static class CutoffRequests
{
    public static HttpRequestMessage? Build(CutoffCall call, BillingSettings settings, long unixSeconds, int attempt)
    {
        if ((call.Url ?? settings.CutoffUrl) is not { } url)
            return null;
        return CutoffSignature.Request(url, call.EventId, call.AccountId, unixSeconds, attempt, settings.WebhookSecret);
    }
}
