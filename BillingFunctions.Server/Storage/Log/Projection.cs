using System.Diagnostics;

namespace BillingFunctions.Server.Storage.Log;

/// <summary>A batch in the commit log, waiting to be written to SQLite; <see cref="Writes"/> counts its callers' writes.</summary>
internal sealed record LoggedBatch(long Position, CommitBatch Batch, int Writes);

/// <summary>
/// Writes the commit log into SQLite behind the writer, on its own thread: many logged batches per SQLite transaction,
/// and with them the last log position applied, so each batch is applied once whatever crashes when. SQLite commits
/// here are not flushed one by one (the log is what makes a write durable); every <see cref="TruncateInterval"/> one
/// flushed commit makes all before it durable, and only then is the log truncated up to it.
/// <para>
/// A commit SQLite refuses (locked, read-only, a full disk) is retried with the same batches until it succeeds. The
/// writes meanwhile stay acknowledged in the log, the lag grows, and the engine refuses new writes once it passes its
/// bound (see <see cref="UnprojectedWrites"/>), so memory stays bounded while the fault lasts.
/// </para>
/// </summary>
internal sealed class Projection : IDisposable
{
    /// <summary>At most this many callers' writes go into one SQLite transaction, so one commit does not hold the lock for long.</summary>
    public const int MaxWritesPerTransaction = 20_000;

    public static readonly TimeSpan TruncateInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    private readonly SqliteStore _store;
    private readonly CommitLog _log;
    private readonly UnprojectedOverlay _overlay;
    private readonly ILogger _logger;
    private readonly Queue<LoggedBatch> _queue = new();
    private readonly Lock _gate = new();
    private readonly List<(long Position, TaskCompletionSource Reached)> _waiters = [];
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Thread _thread;
    private long _projected;
    private long _unprojectedWrites;
    private readonly System.Collections.Concurrent.ConcurrentQueue<(long LatestExpired, int ChunkRows, TaskCompletionSource<int> Deleted)> _prunes = new();
    private Exception? _fault;

    public Projection(SqliteStore store, CommitLog log, UnprojectedOverlay overlay, long projected, ILogger logger)
    {
        _store = store;
        _log = log;
        _overlay = overlay;
        _logger = logger;
        _projected = projected;
        _thread = new Thread(Run) { IsBackground = true, Name = "billing-projection" };
        _thread.Start();
    }

    /// <summary>The last log position SQLite holds.</summary>
    public long Projected => Interlocked.Read(ref _projected);

    /// <summary>Callers' writes acknowledged from the log and not yet in SQLite: the lag the engine bounds.</summary>
    public long UnprojectedWrites => Interlocked.Read(ref _unprojectedWrites);

    /// <summary>Why the last SQLite commit failed, while it keeps failing; null when the projection is keeping up.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>Hands over a batch that is now in the log. Writer thread, in log order.</summary>
    public void Enqueue(LoggedBatch batch)
    {
        Interlocked.Add(ref _unprojectedWrites, batch.Writes);
        lock (_gate)
            _queue.Enqueue(batch);
        _signal.Release();
    }

    /// <summary>Completes with true once SQLite holds the log up to <paramref name="position"/>; false if <paramref name="timeout"/> passes first.</summary>
    public async Task<bool> WaitFor(long position, TimeSpan timeout, CancellationToken cancel)
    {
        TaskCompletionSource reached;
        lock (_gate)
        {
            if (Projected >= position)
                return true;
            reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((position, reached));
        }
        try
        {
            await reached.Task.WaitAsync(timeout, cancel).ConfigureAwait(false);
            return true;
        }
        catch (Exception gaveUp) when (gaveUp is TimeoutException or OperationCanceledException)
        {
            // Not left for the projection to complete: while it is stuck, waiters that gave up would pile up.
            lock (_gate)
                _waiters.RemoveAll(w => w.Reached == reached);
            if (gaveUp is OperationCanceledException)
                throw;
            return false;
        }
    }

    /// <summary>
    /// Deletes the oldest expired answers, at most <paramref name="chunkRows"/> of them, recorded at or before
    /// <paramref name="latestExpired"/>, in a transaction of its own between projection commits, once every batch
    /// handed over before this call is in SQLite. Completes with the number deleted.
    /// </summary>
    public Task<int> PruneIdempotency(long latestExpired, int chunkRows)
    {
        var deleted = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _prunes.Enqueue((latestExpired, chunkRows, deleted));
        _signal.Release();
        return deleted.Task;
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _signal.Release();
        _thread.Join();
        _signal.Dispose();
    }

    private void Run()
    {
        var chunk = new List<LoggedBatch>();
        var lastTruncation = Stopwatch.GetTimestamp();
        long truncatedBefore = Projected + 1;
        while (true)
        {
            _signal.Wait(TruncateInterval);
            var stopping = _stopping.IsCancellationRequested;
            while (TakeChunk(chunk) > 0 || chunk.Count > 0)
            {
                if (!TryApply(chunk))
                {
                    if (_stopping.IsCancellationRequested)
                        return; // what is left is in the log: the next start applies it
                    Thread.Sleep(RetryDelay);
                    continue;
                }
                chunk.Clear();
            }
            PruneAnswers(stopping);
            if (stopping || Stopwatch.GetElapsedTime(lastTruncation) >= TruncateInterval)
            {
                truncatedBefore = Truncate(truncatedBefore);
                lastTruncation = Stopwatch.GetTimestamp();
            }
            if (stopping)
                return;
        }
    }

    private int TakeChunk(List<LoggedBatch> chunk)
    {
        var writes = chunk.Sum(b => b.Writes);
        var taken = 0;
        lock (_gate)
        {
            while (writes < MaxWritesPerTransaction && _queue.TryDequeue(out var batch))
            {
                chunk.Add(batch);
                writes += batch.Writes;
                taken++;
            }
        }
        return taken;
    }

    private bool TryApply(List<LoggedBatch> chunk)
    {
        try
        {
            _store.Apply(chunk);
        }
        catch (Exception error)
        {
            if (Fault is null)
                _logger.LogError(error, "Writing the commit log into SQLite failed; acknowledged writes are safe in the log, retrying every {RetryDelay} ms",
                    RetryDelay.TotalMilliseconds);
            Volatile.Write(ref _fault, error);
            return false;
        }
        if (Interlocked.Exchange(ref _fault, null) is not null)
            _logger.LogInformation("Writing the commit log into SQLite works again");
        foreach (var logged in chunk)
        {
            _overlay.Forget(logged.Batch, logged.Position);
            Interlocked.Add(ref _unprojectedWrites, -logged.Writes);
        }
        var projected = chunk[^1].Position;
        lock (_gate)
        {
            Interlocked.Exchange(ref _projected, projected);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Position > projected)
                    continue;
                _waiters[i].Reached.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
        return true;
    }

    /// <summary>Makes what SQLite holds durable with one flushed commit, then forgets those records from the log.</summary>
    private long Truncate(long truncatedBefore)
    {
        var projected = Projected;
        if (projected < truncatedBefore)
            return truncatedBefore;
        try
        {
            _store.FlushProjection();
            _log.TruncateBefore(projected + 1);
            // Deleted records keep their disk space until the files holding them are rewritten; every few truncations do that.
            if (++_truncationsSinceCompaction >= CompactEveryTruncations)
            {
                _log.Compact(projected + 1);
                _truncationsSinceCompaction = 0;
            }
            return projected + 1;
        }
        catch (Exception error)
        {
            // Not urgent: the records stay in the log, and the start skips those SQLite already holds.
            _logger.LogWarning(error, "Truncating the commit log failed; retrying at the next interval");
            return truncatedBefore;
        }
    }

    private const int CompactEveryTruncations = 20;
    private int _truncationsSinceCompaction;

    private void PruneAnswers(bool stopping)
    {
        while (_prunes.TryDequeue(out var prune))
        {
            if (stopping)
            {
                prune.Deleted.TrySetCanceled();
                continue;
            }
            try
            {
                prune.Deleted.TrySetResult(_store.PruneIdempotency(prune.LatestExpired, prune.ChunkRows));
            }
            catch (Exception error)
            {
                prune.Deleted.TrySetException(error);
            }
        }
    }
}
