using BillingFunctions.Server.Storage;

namespace BillingFunctions.Server.Engine;

/// <summary>
/// Deletes answers past the idempotency retention from SQLite, in the background. Expired answers are never replayed
/// whether pruned or not; pruning keeps the table, and the key index every write with an id inserts into, from growing
/// with every operation id ever used. It runs on the projection thread, a chunk per transaction between the
/// projection's commits, so neither the writer nor a projection commit waits behind a long delete.
/// </summary>
internal sealed class IdempotencyPruning(BillingEngine engine, SqliteStore store, TimeProvider clock, ILogger<IdempotencyPruning> logger)
    : BackgroundService
{
    /// <summary>How often pruning looks for expired rows; with nothing expired a look reads one chunk of rowids.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await PruneExpired(stopping);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                // SQLite refused (a lock held elsewhere, a full disk): nothing is lost, try again next time.
                logger.LogWarning(error, "Pruning expired operation ids failed; retrying in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stopping));
    }

    private async Task PruneExpired(CancellationToken stopping)
    {
        var latestExpired = engine.IdempotencyRetention.LatestExpired(engine.Now());
        var total = 0;
        int deleted;
        do
        {
            deleted = await store.PruneExpiredAnswers(latestExpired, SqliteStore.PruneChunkRows).WaitAsync(stopping);
            total += deleted;
        }
        while (deleted == SqliteStore.PruneChunkRows);
        if (total > 0)
            logger.LogDebug("Pruned {Count} expired operation ids", total);
    }
}
