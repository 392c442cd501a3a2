using BillingFunctions.Core.Identity;
using Microsoft.Extensions.Configuration;

namespace BillingFunctions;

/// <summary>
/// The app's settings, the same <c>Billing:*</c> keys as the self-hosted server where they mean the same thing
/// (app settings use <c>Billing__Key</c>). Connections: <c>Billing:TablesUri</c> (managed identity) or the
/// <c>AzureWebJobsStorage</c> connection string (Azurite locally); <c>ServiceBusConnection__fullyQualifiedNamespace</c>
/// (managed identity) or the <c>ServiceBusConnection</c> connection string.
/// </summary>
public sealed record BillingSettings(
    string DefaultCurrency,
    string? CutoffUrl,
    string? WebhookSecret,
    IReadOnlyList<string> AllowedCallbackHosts,
    IReadOnlyList<string> AllowedPrivateCallbackHosts,
    string? ApiKey,
    int DefaultHoldExpirySeconds,
    int WriteTimeoutSeconds,
    int WebhookTimeoutSeconds,
    string? TablesUri,
    string? TablesConnection,
    string? ServiceBusNamespace,
    string? ServiceBusConnection)
{
    /// <summary>
    /// How long an account entity keeps the answer to an operation id or transfer id for replays
    /// (<c>Billing:IdempotencyRetentionHours</c>, the same default and meaning as on the self-hosted server).
    /// </summary>
    public IdempotencyRetention IdempotencyRetention { get; init; } = IdempotencyRetention.Default;

    /// <summary>How write requests are read on this host: the same rules as the self-hosted server's.</summary>
    public WriteRules WriteRules => new(DefaultCurrency, DefaultHoldExpirySeconds, AllowedCallbackHosts, AllowedPrivateCallbackHosts);

    public const string OrdersQueue = "orders";
    public const string ResultsTopic = "payment-results";
    public const string NotificationsSubscription = "notifications";

    public static BillingSettings From(IConfiguration configuration)
    {
        var billing = configuration.GetSection("Billing");
        return new BillingSettings(
            billing["DefaultCurrency"] ?? "USD",
            NullIfEmpty(billing["CutoffUrl"]),
            NullIfEmpty(billing["WebhookSecret"]),
            billing.GetSection("AllowedCallbackHosts").Get<string[]>() ?? [],
            billing.GetSection("AllowedPrivateCallbackHosts").Get<string[]>() ?? [],
            NullIfEmpty(billing["ApiKey"]),
            billing.GetValue("DefaultHoldExpirySeconds", 604800),
            billing.GetValue("WriteTimeoutSeconds", 30),
            billing.GetValue("Webhook:TimeoutSeconds", 5),
            NullIfEmpty(billing["TablesUri"]),
            NullIfEmpty(configuration["AzureWebJobsStorage"]),
            NullIfEmpty(configuration["ServiceBusConnection:fullyQualifiedNamespace"]),
            NullIfEmpty(configuration["ServiceBusConnection"]))
        {
            IdempotencyRetention = IdempotencyRetention.FromHours(
                billing.GetValue("IdempotencyRetentionHours", IdempotencyRetention.DefaultHours)),
        };
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
