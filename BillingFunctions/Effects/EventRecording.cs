using Azure.Data.Tables;
using BillingFunctions.Accounts;
using BillingFunctions.Local.Storage;
using BillingFunctions.Tables;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace BillingFunctions.Effects;

/// <summary>
/// What an account operation asks for outside the entity: its events written to the ledger, and for a depletion the
/// cut-off webhook, both with retry policies. Every step is idempotent by event id (ledger row key = sequence, delivery
/// row key = event id), so a retried activity or a re-run orchestration changes nothing twice. The cut-off does not wait
/// for the ledger: both start at once.
/// </summary>
public sealed class EventRecording(BillingTables tables, BillingSettings settings, IHttpClientFactory http, TimeProvider clock,
    ILogger<EventRecording> log)
{
    private static readonly TaskOptions LedgerRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(10, TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1)));

    // At least once, backing off to five minutes between attempts, for a day: the brief's give-up horizon.
    private static readonly TaskOptions CutoffRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(300, TimeSpan.FromMilliseconds(500), 2,
        TimeSpan.FromMinutes(5), TimeSpan.FromDays(1)));

    [Function(nameof(RecordEvents))]
    public static Task RecordEvents([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var batch = context.GetInput<EventBatch>()!;
        var work = new List<Task> { context.CallActivityAsync(nameof(WriteLedger), batch, LedgerRetry) };
        work.AddRange(batch.Cutoffs.Select(call => context.CallActivityAsync(nameof(DeliverCutoff), call, CutoffRetry)));
        return Task.WhenAll(work);
    }

    [Function(nameof(WriteLedger))]
    public async Task WriteLedger([ActivityTrigger] EventBatch batch)
    {
        var ledger = await tables.Ledger;
        foreach (var stored in batch.Events)
            await ledger.UpsertEntityAsync(LedgerRow.From(stored), TableUpdateMode.Replace);
    }

    /// <summary>One attempt; a failure throws so the orchestration's retry policy schedules the next.</summary>
    [Function(nameof(DeliverCutoff))]
    public async Task DeliverCutoff([ActivityTrigger] CutoffCall call)
    {
        var deliveries = await tables.Deliveries;
        var existing = await deliveries.GetEntityIfExistsAsync<DeliveryRow>(call.AccountId, call.EventId);
        var row = existing.HasValue ? existing.Value! : new DeliveryRow
        {
            PartitionKey = call.AccountId, RowKey = call.EventId, Url = call.Url ?? settings.CutoffUrl ?? "", Episode = call.Episode,
            DepletedAt = call.DepletedAt,
        };
        if (row.Status == nameof(DeliveryStatus.Delivered))
            return;
        row.Attempts++;
        using var request = CutoffRequests.Build(call, settings, clock.GetUtcNow().ToUnixTimeSeconds(), row.Attempts);
        if (request is null)
        {
            row.Status = nameof(DeliveryStatus.Failed);
            row.LastError = "No cut-off URL: the account has none and Billing:CutoffUrl is not set.";
            await deliveries.UpsertEntityAsync(row, TableUpdateMode.Replace);
            log.LogError("Cut-off for {AccountId} (event {EventId}) has no URL to call", call.AccountId, call.EventId);
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(settings.WebhookTimeoutSeconds));
            using var response = await http.CreateClient(CutoffHttp.ClientName).SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"The receiver answered {(int)response.StatusCode}.");
            row.Status = nameof(DeliveryStatus.Delivered);
            row.DeliveredAt = clock.GetUtcNow().UtcTicks;
            row.LastError = null;
            await deliveries.UpsertEntityAsync(row, TableUpdateMode.Replace);
            log.LogInformation("Cut-off delivered for {AccountId} (event {EventId}), lateness {LatenessMs} ms", call.AccountId, call.EventId,
                (row.DeliveredAt.Value - call.DepletedAt) / TimeSpan.TicksPerMillisecond);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            row.LastError = e.Message;
            await deliveries.UpsertEntityAsync(row, TableUpdateMode.Replace);
            throw;
        }
    }
}
