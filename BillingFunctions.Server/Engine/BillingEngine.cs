using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Identity;
using BillingFunctions.Server.Storage;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Server.Engine;

/// <summary>The writer's time by phase: deciding a batch, appending it to the commit log (with its fsync), publishing and answering.</summary>
public readonly record struct WriterTimes(TimeSpan Deciding, TimeSpan Committing, TimeSpan Publishing);

/// <summary>
/// The single writer. Every change goes through one loop that takes whatever requests are waiting,
/// decides them in order against an overlay, appends them to the commit log as one record with one fsync (group
/// commit), and only then publishes the new states and answers the callers; SQLite is written behind, by the store's
/// projection. One writer means no lost updates and atomic transfers without locks; batching means one fsync serves
/// many operations.
/// </summary>
public sealed partial class BillingEngine : IAsyncDisposable
{
    private readonly SqliteStore _store;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly int _maxPendingWrites;
    private readonly int _maxBatchSize;
    private readonly long _maxUnprojectedWrites;
    private readonly ConcurrentDictionary<string, AccountState> _accounts;
    private readonly Channel<WriteRequest> _writes = Channel.CreateUnbounded<WriteRequest>(new() { SingleReader = true });
    private readonly Dictionary<string, long> _scheduledWakes = new(StringComparer.Ordinal);
    private readonly DueQueue<string> _wakes;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _usedKeysLoaded;
    private readonly WriterContext _writerContext;
    private Task? _writer;
    private int _pendingWrites;
    private long _lastNow;
    private long _batches;
    private long _committedRequests;
    private long _decideTicks, _commitTicks, _publishTicks;

    /// <param name="idempotencyRetention">How long answers are replayed for their operation ids; null: <see cref="IdempotencyRetention.Default"/>.</param>
    /// <param name="maxUnprojectedWrites">Acknowledged writes SQLite may lag behind the log by before new writes are refused (503).</param>
    public BillingEngine(SqliteStore store, TimeProvider clock, ILogger<BillingEngine> logger, Func<string?> defaultCutoffUrl,
        int maxPendingWrites = 100_000, int maxBatchSize = 4096, IdempotencyRetention? idempotencyRetention = null,
        long maxUnprojectedWrites = DefaultMaxUnprojectedWrites)
    {
        _maxUnprojectedWrites = maxUnprojectedWrites;
        IdempotencyRetention = idempotencyRetention ?? IdempotencyRetention.Default;
        _store = store;
        _clock = clock;
        _logger = logger;
        _maxPendingWrites = maxPendingWrites;
        _maxBatchSize = maxBatchSize;
        _wakes = new DueQueue<string>("billing-wakes", clock, OnWakeDue);

        // Sized up front and armed in one go: with a million accounts, growing maps and one-by-one heap inserts
        // are a large part of a restart.
        var loaded = store.LoadAccounts();
        _accounts = new(Environment.ProcessorCount, Math.Max(31, loaded.Count), StringComparer.Ordinal);
        _scheduledWakes.EnsureCapacity(loaded.Count);
        var wakes = new List<(string AccountId, long At)>(loaded.Count);
        foreach (var account in loaded)
        {
            _accounts[account.AccountId] = account;
            _lastNow = Math.Max(_lastNow, account.SettledAt); // a host clock that stepped back while we were down does not rewind us
            if (AccountDecider.NextWake(account) is { } at)
            {
                _scheduledWakes[account.AccountId] = at;
                wakes.Add((account.AccountId, at));
            }
        }
        _writerContext = new WriterContext(_accounts, UsedKeys, IdempotencyRetention, defaultCutoffUrl, logger);
        // Wakes that fell due while the server was down are due now: the queue hands them over at once.
        _wakes.ScheduleMany(wakes);
        _logger.LogInformation("Loaded {AccountCount} accounts from {DatabasePath}", _accounts.Count, store.Path);
        // In the background, so a restart does not wait for it: until it is done every id is looked up in SQLite.
        _usedKeysLoaded = Task.Run(() => LoadUsedKeys(_stopping.Token));
    }

    /// <summary>Starts the writer loop; wakes that came due while stopped are already queued and go first.</summary>
    public void Start() => _writer ??= Task.Factory.StartNew(RunWriter, TaskCreationOptions.LongRunning).Unwrap();

    /// <summary>
    /// The default bound on the projection's lag. It bounds the memory unprojected batches hold (about a kilobyte a
    /// write) and the replay a restart does after a crash.
    /// </summary>
    public const long DefaultMaxUnprojectedWrites = 50_000;

    /// <summary>Called after each commit with the cut-off deliveries it made durable.</summary>
    public event Action<IReadOnlyList<CutoffDelivery>>? DeliveriesCommitted;

    public int AccountCount => _accounts.Count;
    public int PendingWrites => Volatile.Read(ref _pendingWrites);
    public int ScheduledWakes => _wakes.Count;
    public long Batches => Interlocked.Read(ref _batches);
    public long CommittedRequests => Interlocked.Read(ref _committedRequests);

    /// <summary>Where the writer's time went since start, summed over batches: for benchmarks and profiling.</summary>
    public WriterTimes Times => new(Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _decideTicks)),
        Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _commitTicks)), Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _publishTicks)));

    /// <summary>The engine's instant: the host clock, but never earlier than the last write, so holds and reads do not go back in time.</summary>
    public long Now() => Math.Max(Volatile.Read(ref _lastNow), _clock.GetUtcNow().UtcTicks);

    /// <summary>How long an answer is replayed for its operation id; older ones are ignored, then pruned.</summary>
    public IdempotencyRetention IdempotencyRetention { get; }

    /// <summary>Where each group commit is counted (writes, batch size); null: nowhere.</summary>
    internal Contract.Telemetry.BillingInstruments? Instruments { get; init; }

    /// <summary>Operation ids that may be in the store; the writer reads SQLite only for a "maybe".</summary>
    internal IdempotencyFilter UsedKeys { get; } = new();

    /// <summary>Completes when the ids stored before this start are in <see cref="UsedKeys"/>.</summary>
    internal Task UsedKeysLoaded => _usedKeysLoaded;

    public bool TryGetAccount(string accountId, out AccountState state) => _accounts.TryGetValue(accountId, out state!);

    /// <summary>A write to one account; answered once the batch it belongs to is durable.</summary>
    public Task<WriteResult> Execute(AccountWrite write) => Submit(new AccountWriteRequest(write));

    /// <summary>A transfer between two accounts; both sides are committed in the same batch, or neither.</summary>
    public Task<WriteResult> Transfer(TransferWrite write) => Submit(new TransferWriteRequest(write));

    /// <summary>Internal bookkeeping is never refused for load: losing it would lose a delivery's progress.</summary>
    public void RecordDelivery(CutoffDelivery delivery) => _writes.Writer.TryWrite(new DeliveryUpdateRequest(delivery));

    public async ValueTask DisposeAsync()
    {
        _wakes.Dispose();
        _stopping.Cancel();
        await _usedKeysLoaded.ConfigureAwait(false);
        _writes.Writer.TryComplete();
        if (_writer is not null)
            await _writer.ConfigureAwait(false);
    }

    /// <summary>
    /// Adds every stored operation id to the filter, from a snapshot on a reader connection. Ids committed after
    /// the snapshot are this engine's own, and the writer adds those as it records them, so none is missed.
    /// </summary>
    private void LoadUsedKeys(CancellationToken stopping)
    {
        try
        {
            var count = 0;
            foreach (var key in _store.ReadIdempotencyKeys())
            {
                stopping.ThrowIfCancellationRequested();
                UsedKeys.Add(key);
                count++;
            }
            UsedKeys.MarkLoaded();
            _logger.LogInformation("Loaded {KeyCount} operation ids into the idempotency filter", count);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception error)
        {
            // Not fatal: without the filter every operation id is still looked up in SQLite, only slower.
            _logger.LogWarning(error, "Could not load operation ids into the idempotency filter; every id will be looked up in the store");
        }
    }

    /// <summary>Internal work the caller waits for; not counted against <c>MaxPendingWrites</c> (see <see cref="ConfirmedRequest{T}"/>).</summary>
    internal Task<T> Confirm<T>(ConfirmedRequest<T> request) =>
        _writes.Writer.TryWrite(request) ? request.Answer : throw new ObjectDisposedException(nameof(BillingEngine));

    internal Task<TAnswer> Submit<TAnswer>(AnsweredRequest<TAnswer> request) where TAnswer : class
    {
        // Back-pressure from SQLite: the log keeps accepting, but the batches waiting for the projection are memory.
        if (_store.UnprojectedWrites >= _maxUnprojectedWrites)
            throw new ProjectionBehindException();
        if (Interlocked.Increment(ref _pendingWrites) > _maxPendingWrites)
        {
            Interlocked.Decrement(ref _pendingWrites);
            throw new OverloadedException();
        }
        if (!_writes.Writer.TryWrite(request))
        {
            Interlocked.Decrement(ref _pendingWrites);
            throw new ObjectDisposedException(nameof(BillingEngine));
        }
        return request.Answer;
    }

    private async Task RunWriter()
    {
        var batch = new List<WriteRequest>(_maxBatchSize);
        var reader = _writes.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < _maxBatchSize && reader.TryRead(out var request))
            {
                batch.Add(request);
                // No longer waiting once taken: counted off before any answer goes out, so a caller that hears back
                // and writes again at once is not refused for its own finished write.
                if (request is CallerRequest)
                    Interlocked.Decrement(ref _pendingWrites);
            }
            try
            {
                CommitBatch(batch);
            }
            catch (Exception bug)
            {
                // Past the commit, memory and disk may now disagree, and a dead writer would hang every caller.
                // Crash-only: the store is the truth, and a restart rebuilds memory, wakes and deliveries from it.
                _logger.LogCritical(bug, "The writer failed after a commit; stopping the process");
                Environment.FailFast("BillingEngine writer failed after a commit.", bug);
            }
            batch.Clear();
        }
    }

    private void CommitBatch(List<WriteRequest> batch)
    {
        if (_store.Ownership.Lost is { } earlier)
        {
            // Another process owns the database now: its memory, not ours, is the truth. Every caller gets 503 and
            // internal work (wakes, delivery progress) is dropped: the new owner reloads it all from the store.
            var refused = new StorageUnavailableException(earlier, ownershipLost: true);
            foreach (var request in batch)
                request.Fail(refused);
            return;
        }
        var work = new UnitOfWork(_writerContext, _store);
        var applied = new List<WriteRequest>(batch.Count);
        var started = Stopwatch.GetTimestamp();
        DecidingBatch();
        foreach (var request in batch)
        {
            try
            {
                request.Apply(work, NextNow());
                applied.Add(request);
            }
            catch (Exception bug)
            {
                // A bug in one request must not take the batch down; its partial work never reached the overlay.
                _logger.LogError(bug, "A write request failed while being decided");
                request.Fail(bug);
            }
        }

        BatchDecided(work);
        var decided = Stopwatch.GetTimestamp();
        Interlocked.Add(ref _decideTicks, decided - started);
        try
        {
            if (!work.Batch.IsEmpty)
                _store.Append(work.Batch, applied.Count(request => request is CallerRequest));
        }
        catch (OwnershipLostException lost)
        {
            _logger.LogCritical("This process no longer owns {DataDirectory}: {Reason} Stop this process; the new owner serves the data.",
                _store.DirectoryLock.Directory, lost.Message);
            var refused = new StorageUnavailableException(lost, ownershipLost: true);
            foreach (var request in applied)
                request.Fail(refused);
            BatchSettled(work);
            return;
        }
        catch (Exception error)
        {
            _logger.LogError(error, "Commit of {RequestCount} requests failed; none is acknowledged", applied.Count);
            var failure = new StorageUnavailableException(error, diskFull: Storage.Log.CommitLog.IsDiskFull(error));
            foreach (var request in applied)
            {
                if (request is WakeRequest or DeliveryUpdateRequest)
                    RetryLater(request); // nobody waits on these, so nobody else would retry them
                else
                    request.Fail(failure); // a caller is waiting: it retries with the same operation id
            }
            BatchSettled(work);
            return;
        }

        var committed = Stopwatch.GetTimestamp();
        Interlocked.Add(ref _commitTicks, committed - decided);
        foreach (var state in work.Changed)
            _accounts[state.AccountId] = state;
        BatchSettled(work);
        var now = NextNow();
        foreach (var (accountId, at) in work.Wakes)
            ScheduleWake(accountId, at, now);
        if (work.NewDeliveries.Count > 0 && NotSentAhead(work.NewDeliveries) is { Count: > 0 } deliveries)
            DeliveriesCommitted?.Invoke(deliveries);
        work.PublishCommitted();
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _committedRequests, applied.Count);
        Instruments?.Committed(applied.Count);
        foreach (var request in applied)
            request.Complete();
        Interlocked.Add(ref _publishTicks, Stopwatch.GetTimestamp() - committed);
    }

    /// <summary>
    /// Puts internal work from a batch the store refused back in the queue after a pause: a wake that fell due
    /// during the outage must still deplete the account, and a delivery's progress must still be recorded.
    /// Deciding a wake again is harmless (stale wakes do nothing); delivery records never move a row backwards.
    /// </summary>
    private void RetryLater(WriteRequest request) =>
        _ = Task.Delay(StorageRetryDelay).ContinueWith(_ => _writes.Writer.TryWrite(request), TaskScheduler.Default);

    private static readonly TimeSpan StorageRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Keeps at most one pending wake per account: a later instant is skipped because the earlier wake
    /// will reschedule it; an earlier one replaces it. Runs on the writer thread only.
    /// </summary>
    private void ScheduleWake(string accountId, long at, long now)
    {
        if (_scheduledWakes.TryGetValue(accountId, out var scheduled) && scheduled > now && scheduled <= at)
            return;
        _scheduledWakes[accountId] = at;
        _wakes.Schedule(accountId, at);
    }

    /// <summary>The writer's clock never runs backwards, even if the host's does.</summary>
    private long NextNow() => AdvanceNow();

    /// <summary>
    /// The engine instant, recorded as the last one, atomically: the timer thread raises it too (see
    /// <see cref="SendAheadIfCertain"/>), and neither may lower what the other set.
    /// </summary>
    private long AdvanceNow()
    {
        while (true)
        {
            var last = Volatile.Read(ref _lastNow);
            var now = Math.Max(last, _clock.GetUtcNow().UtcTicks);
            if (now == last || Interlocked.CompareExchange(ref _lastNow, now, last) == last)
                return now;
        }
    }
}
