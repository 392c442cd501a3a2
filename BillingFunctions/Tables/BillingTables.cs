using Azure.Data.Tables;
using Azure.Identity;

namespace BillingFunctions.Tables;

/// <summary>The four tables: ledger (partition per account), baskets, notifications, webhook deliveries. Created on first use.</summary>
public sealed class BillingTables(BillingSettings settings)
{
    private readonly Lazy<Task<TableClient>> _ledger = new(() => Open(settings, "ledger"));
    private readonly Lazy<Task<TableClient>> _baskets = new(() => Open(settings, "baskets"));
    private readonly Lazy<Task<TableClient>> _notifications = new(() => Open(settings, "notifications"));
    private readonly Lazy<Task<TableClient>> _deliveries = new(() => Open(settings, "webhookdeliveries"));

    public Task<TableClient> Ledger => _ledger.Value;
    public Task<TableClient> Baskets => _baskets.Value;
    public Task<TableClient> Notifications => _notifications.Value;
    public Task<TableClient> Deliveries => _deliveries.Value;

    private static async Task<TableClient> Open(BillingSettings settings, string name)
    {
        // Managed identity when a table endpoint is configured (no shared key); otherwise the storage connection string (Azurite).
        var client = settings.TablesUri is { } uri
            ? new TableClient(new Uri(uri), name, new DefaultAzureCredential())
            : new TableClient(settings.TablesConnection ?? throw new InvalidOperationException(
                "Set Billing:TablesUri (managed identity) or AzureWebJobsStorage (a connection string)."), name);
        await client.CreateIfNotExistsAsync();
        return client;
    }
}
