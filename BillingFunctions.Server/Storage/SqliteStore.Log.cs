using System.Diagnostics;
using BillingFunctions.Server.Storage.Log;
using Microsoft.Data.Sqlite;

namespace BillingFunctions.Server.Storage;

/// <summary>Where the store's commit log meets SQLite: appending, replay at start, the projection's progress, and waiting for it.</summary>
public sealed partial class SqliteStore
{
    /// <summary>Rows a pruning chunk deletes at most; see <see cref="PruneIdempotency(long, int)"/>.</summary>
    public const int PruneChunkRows = 1000;

    /// <summary>Callers' writes acknowledged from the log and not yet in SQLite.</summary>
    public long UnprojectedWrites => _projection.UnprojectedWrites;

    /// <summary>How far the log and its projection are, for health.</summary>
    public ProjectionStats ProjectionStats => new(_log.NextPosition - 1, _log.OldestPosition(), _projection.Projected,
        _projection.UnprojectedWrites, _projection.Fault?.Message);

    /// <summary>
    /// Engine writer: appends a decided batch to the commit log and flushes it; once this returns, the batch is durable
    /// and may be acknowledged. Returns its log position. Throws <see cref="OwnershipLostException"/> if another process
    /// has claimed the database, or whatever the log threw: then the batch is not in the log and nothing of it happened.
    /// </summary>
    /// <param name="writes">How many callers' writes the batch holds: the lag the engine bounds counts them.</param>
    internal long Append(CommitBatch batch, int writes)
    {
        // A read, not inside the log's write: a claim between this check and the append lets this one batch into the
        // log, and the projection then refuses it (see StoreOwnership). The check bounds that to one batch.
        _ownership.Confirm(_lookupOwnerCheck);
        var position = _log.Append(BatchCodec.Encode(batch, _encoder));
        // Before the projection may see it: the projection forgets entries after it has written them.
        _overlay.Add(batch, position);
        _projection.Enqueue(new LoggedBatch(position, batch, writes));
        return position;
    }

    /// <summary>
    /// Completes with true once SQLite holds every write acknowledged before this call, so a reader sees its own
    /// earlier writes; false if that takes longer than the store's busy timeout (SQLite refusing the projection).
    /// </summary>
    public Task<bool> CaughtUp(CancellationToken cancel = default) => _projection.WaitFor(_log.NextPosition - 1, _readWait, cancel);

    /// <summary>
    /// Deletes expired answers, at most <paramref name="chunkRows"/> of the oldest, recorded at or before
    /// <paramref name="latestExpired"/>; runs on the projection thread after every batch handed to it so far.
    /// </summary>
    internal Task<int> PruneExpiredAnswers(long latestExpired, int chunkRows) => _projection.PruneIdempotency(latestExpired, chunkRows);

    /// <summary>Projection thread: one chunk of expired answers, in a transaction of its own.</summary>
    internal int PruneIdempotency(long latestExpired, int chunkRows)
    {
        using var transaction = _writer.BeginTransaction();
        var deleted = Prepared(transaction, PruneIdempotencySql, ("$expired", latestExpired), ("$chunk", chunkRows)).ExecuteNonQuery();
        transaction.Commit();
        return deleted;
    }

    /// <summary>
    /// Projection thread: makes every commit so far durable with one flushed commit. Projection commits are not flushed
    /// one by one; flushing the write-ahead log once covers all of them, and only then may the log forget them.
    /// </summary>
    internal void FlushProjection()
    {
        Execute(_writer, "PRAGMA synchronous=FULL");
        try
        {
            using var transaction = _writer.BeginTransaction();
            Prepared(transaction, "UPDATE projection SET log_position = log_position WHERE id = 1").ExecuteNonQuery();
            transaction.Commit();
        }
        finally
        {
            Execute(_writer, "PRAGMA synchronous=NORMAL");
        }
    }

    private long ProjectedPosition()
    {
        using var command = _writer.CreateCommand();
        command.CommandText = "SELECT log_position FROM projection WHERE id = 1";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>
    /// At start, before anything reads state: writes into SQLite every logged batch it does not hold yet, then truncates
    /// the log. A batch that reached the log is treated as committed even if the crash came before its callers heard
    /// back: they retry with the same operation id and get its answer.
    /// </summary>
    private long ReplayLog(long projected, ILogger logger)
    {
        var started = Stopwatch.GetTimestamp();
        var chunk = new List<LoggedBatch>();
        var replayed = 0;
        foreach (var (position, record) in _log.ReadFrom(projected + 1))
        {
            chunk.Add(new LoggedBatch(position, BatchCodec.Decode(record), 0));
            if (chunk.Count < 256)
                continue;
            Apply(chunk);
            replayed += chunk.Count;
            chunk.Clear();
        }
        if (chunk.Count > 0)
        {
            Apply(chunk);
            replayed += chunk.Count;
        }
        projected = ProjectedPosition();
        if (replayed > 0)
        {
            FlushProjection();
            logger.LogInformation("Replayed {BatchCount} logged batches into {DatabasePath} in {ElapsedMs:0} ms", replayed, Path,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        _log.TruncateBefore(projected + 1);
        return projected;
    }

    private SqliteCommand PreparedLookup(string sql, params (string Name, object? Value)[] parameters) =>
        Prepare(_lookups, _preparedLookups, null, sql, parameters);
}

/// <summary>
/// The commit log's last position and its oldest record left (null: truncated empty), the last position SQLite holds, the
/// writes between, and why SQLite is refusing them, if it is.
/// </summary>
public sealed record ProjectionStats(long LogPosition, long? OldestLogPosition, long ProjectedPosition, long UnprojectedWrites, string? Fault);
