using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;

namespace BillingFunctions.Tables;

/// <summary>
/// The four tables: ledger (partition per account), baskets, notifications, webhook deliveries, each created on first
/// use. What the app does with each lives next to this file (<c>BillingTables.Ledger.cs</c>, ...), one file per table.
/// </summary>
public sealed partial class BillingTables(BillingSettings settings)
{
    // One credential for all four tables, so a managed-identity token is fetched once and shared.
    private readonly Lazy<TokenCredential> _credential = new(() => new DefaultAzureCredential());
    private Task<TableClient>? _ledger;
    private Task<TableClient>? _baskets;
    private Task<TableClient>? _notifications;
    private Task<TableClient>? _deliveries;

    public Task<TableClient> Ledger => Opened(ref _ledger, "ledger");
    public Task<TableClient> Baskets => Opened(ref _baskets, "baskets");
    public Task<TableClient> Notifications => Opened(ref _notifications, "notifications");
    public Task<TableClient> Deliveries => Opened(ref _deliveries, "webhookdeliveries");

    /// <summary>
    /// The table, opened once. An open that failed (storage unreachable when the first request came) is not kept: the
    /// next caller tries again, so one outage at start-up does not break the table for the life of the worker.
    /// </summary>
    private Task<TableClient> Opened(ref Task<TableClient>? slot, string name)
    {
        var current = Volatile.Read(ref slot);
        if (current is { IsFaulted: false, IsCanceled: false })
            return current;
        var opening = Open(name);
        var raced = Interlocked.CompareExchange(ref slot, opening, current);
        return raced == current ? opening : raced!;
    }

    private async Task<TableClient> Open(string name)
    {
        // Managed identity when a table endpoint is configured (no shared key); otherwise the storage connection string
        // (AzureWebJobsStorage, as the Functions host uses it for local development with Azurite).
        var client = settings.TablesUri is { } uri
            ? new TableClient(new Uri(uri), name, _credential.Value)
            : new TableClient(settings.TablesConnection ?? throw new InvalidOperationException(
                "Set Billing:TablesUri (managed identity) or AzureWebJobsStorage (a connection string)."), name);
        await client.CreateIfNotExistsAsync();
        return client;
    }
}
