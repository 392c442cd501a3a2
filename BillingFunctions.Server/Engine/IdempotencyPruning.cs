using BillingFunctions.Server.Storage;

namespace BillingFunctions.Server.Engine;

/// <summary>
/// Deletes answers past the idempotency retention from the store, in the background. Expired answers are never
/// replayed whether pruned or not; pruning keeps the table, and the key index every write with an id inserts into,
/// from growing with every operation id ever used. It goes through the single writer, one chunk per batch: a chunk
/// rides along with whatever writes are waiting, and the next chunk waits for that batch's commit, so no batch waits
/// behind a long delete.
/// </summary>
internal sealed class IdempotencyPruning(BillingEngine engine, TimeProvider clock, ILogger<IdempotencyPruning> logger) : BackgroundService
{
    /// <summary>
    /// Rows per batch. Deleting a row costs about what recording it did (mostly its place in the key index), so a chunk
    /// adds to its batch about what a thousand writes with ids add; one chunk per batch keeps up with batches of up to
    /// that many new ids, and falls behind only during a longer peak, to catch up after it.
    /// </summary>
    public const int ChunkRows = 1000;

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
                // The store refused the batch (a lock held elsewhere, a full disk): nothing is lost, try again next time.
                logger.LogWarning(error, "Pruning expired operation ids failed; retrying in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stopping));
    }

    private async Task PruneExpired(CancellationToken stopping)
    {
        var total = 0;
        IdempotencyPrune chunk;
        do
        {
            chunk = await engine.Confirm(new PruneIdempotencyRequest(engine.IdempotencyRetention, ChunkRows));
            total += chunk.Deleted;
        }
        while (chunk.Deleted == ChunkRows && !stopping.IsCancellationRequested);
        if (total > 0)
            logger.LogDebug("Pruned {Count} expired operation ids", total);
    }
}

/// <summary>Puts one chunk of expired idempotency rows, as of the writer's instant, into the batch.</summary>
internal sealed class PruneIdempotencyRequest(Core.Identity.IdempotencyRetention retention, int chunkRows) : ConfirmedRequest<IdempotencyPrune>
{
    public override void Apply(UnitOfWork work, long now)
    {
        var prune = new IdempotencyPrune(retention.LatestExpired(now), chunkRows);
        work.Batch.IdempotencyPrunes.Add(prune);
        Decided(prune);
    }
}
