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
            Ranged(billing, "DefaultHoldExpirySeconds", 604800, 1, 365 * 24 * 3600),
            Ranged(billing, "WriteTimeoutSeconds", 30, 1, 230),
            Ranged(billing, "Webhook:TimeoutSeconds", 5, 1, 300),
            NullIfEmpty(billing["TablesUri"]),
            NullIfEmpty(configuration["AzureWebJobsStorage"]),
            NullIfEmpty(configuration["ServiceBusConnection:fullyQualifiedNamespace"]),
            NullIfEmpty(configuration["ServiceBusConnection"]))
        {
            IdempotencyRetention = IdempotencyRetention.FromHours(
                Ranged(billing, "IdempotencyRetentionHours", IdempotencyRetention.DefaultHours, 1, IdempotencyRetention.MaxHours)),
        };
    }

    /// <summary>
    /// A whole-number setting, checked when the app starts: a value out of range (a zero timeout would fail every write)
    /// stops the worker with the key and the allowed range, as the self-hosted server does.
    /// </summary>
    private static int Ranged(IConfigurationSection billing, string key, int fallback, int min, int max)
    {
        var text = billing[key];
        if (string.IsNullOrWhiteSpace(text))
            return fallback;
        if (!int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value)
            || value < min || value > max)
            throw new InvalidOperationException($"Billing:{key} is '{text}'; it must be a whole number from {min} to {max}.");
        return value;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
