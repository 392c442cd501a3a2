using BillingFunctions.Accounts;
using BillingFunctions.Contract.Telemetry;
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
    ILogger<EventRecording> log, BillingInstruments instruments)
{
    // A ledger page ends before the first unwritten sequence, so a write that gave up early would hide every later entry
    // from readers: it retries as long as a cut-off does.
    private static readonly TaskOptions LedgerRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(300, TimeSpan.FromSeconds(1), 2,
        TimeSpan.FromMinutes(5), TimeSpan.FromDays(1)));

    // At least once, on the self-hosted server's default schedule: from half a second, doubling to five minutes between
    // attempts, for a day (the give-up horizon). The Durable runtime's own retry policy rather than Polly's: its waits are
    // durable timers in the orchestration's history, so a worker that restarts or moves resumes the schedule, and it is
    // deterministic on replay, which a jittered in-memory delay is not. 300 attempts outlast the day at five minutes apart.
    private static readonly TaskOptions CutoffRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(300,
        TimeSpan.FromMilliseconds(CutoffRetryDefaults.InitialDelayMilliseconds), 2, TimeSpan.FromSeconds(CutoffRetryDefaults.MaxDelaySeconds),
        TimeSpan.FromSeconds(CutoffRetryDefaults.GiveUpAfterSeconds)));

    [Function(nameof(RecordEvents))]
    public static Task RecordEvents([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var batch = context.GetInput<EventBatch>()!;
        var work = new List<Task> { context.CallActivityAsync(nameof(WriteLedger), batch, LedgerRetry) };
        work.AddRange(batch.Cutoffs.Select(call => context.CallActivityAsync(nameof(DeliverCutoff), call, CutoffRetry)));
        return Task.WhenAll(work);
    }

    [Function(nameof(WriteLedger))]
    public Task WriteLedger([ActivityTrigger] EventBatch batch) => tables.AppendLedger(batch.Events);

    /// <summary>
    /// One attempt, recorded on the delivery row by compare-and-set; a failure throws so the orchestration's retry policy
    /// schedules the next. Two runs of the same attempt can overlap (a redelivered work item): a delivery either of them
    /// records is final, so the other neither undoes it nor asks for another attempt.
    /// </summary>
    [Function(nameof(DeliverCutoff))]
    public async Task DeliverCutoff([ActivityTrigger] CutoffCall call)
    {
        var row = await tables.ReadDelivery(call, call.Url ?? settings.CutoffUrl ?? "");
        if (row.Status == nameof(DeliveryStatus.Delivered))
            return;
        var attempt = row.Attempts + 1;
        using var request = CutoffRequests.Build(call, settings, clock.GetUtcNow().ToUnixTimeSeconds(), attempt);
        if (request is null)
        {
            await tables.RecordDelivery(row, DeliveryAttempt.Undeliverable(attempt, "No cut-off URL: the account has none and Billing:CutoffUrl is not set."));
            instruments.CutoffAttemptFailed(WebhookErrorType.NoUrl, WebhookOutcome.GaveUp);
            log.LogError("Cut-off for {AccountId} (event {EventId}) has no URL to call", call.AccountId, call.EventId);
            return;
        }
        string error;
        string errorType;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(settings.WebhookTimeoutSeconds));
            using var response = await http.CreateClient(CutoffHttp.ClientName).SendAsync(request, timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                var deliveredAt = clock.GetUtcNow().UtcTicks;
                instruments.CutoffDelivered(call.DepletedAt, deliveredAt);
                await tables.RecordDelivery(row, DeliveryAttempt.Delivered(attempt, deliveredAt));
                log.LogInformation("Cut-off delivered for {AccountId} (event {EventId}), lateness {LatenessMs} ms", call.AccountId, call.EventId,
                    (deliveredAt - call.DepletedAt) / TimeSpan.TicksPerMillisecond);
                return;
            }
            error = $"The receiver answered {(int)response.StatusCode}.";
            errorType = WebhookErrorType.Of(response.StatusCode);
        }
        catch (HttpRequestException e)
        {
            error = e.Message;
            errorType = WebhookErrorType.Of(e);
        }
        catch (OperationCanceledException e)
        {
            error = e.Message;
            errorType = WebhookErrorType.Timeout;
        }
        // Another attempt follows unless the runtime's retry policy has reached its horizon, which the activity cannot see.
        instruments.CutoffAttemptFailed(errorType, WebhookOutcome.Failed);
        var recorded = await tables.RecordDelivery(row, DeliveryAttempt.Retry(attempt, error));
        if (recorded.Status != nameof(DeliveryStatus.Delivered))
            throw new HttpRequestException($"Cut-off attempt {attempt} for {call.AccountId} (event {call.EventId}) failed: {error}");
    }
}
