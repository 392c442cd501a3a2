namespace BillingFunctions.Contract.Webhooks;

/// <summary>
/// The cut-off webhook's retry schedule by default, the same on both hosts: the first retry about half a second after a
/// failed attempt, the waits roughly doubling up to five minutes, and no attempt after one that fails a day or more
/// after the depletion. The self-hosted server takes them as its <c>Billing:Webhook:*</c> defaults; the Azure app's
/// retry policy uses them as they are.
/// </summary>
public static class CutoffRetryDefaults
{
    public const int InitialDelayMilliseconds = 500;
    public const int MaxDelaySeconds = 5 * 60;
    public const int GiveUpAfterSeconds = 24 * 3600;
}
