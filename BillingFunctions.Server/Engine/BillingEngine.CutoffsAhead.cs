using System.Collections.Concurrent;
using System.Diagnostics;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Server.Engine;

/// <summary>
/// Cut-offs sent ahead of their commit. When an account's wake falls due, its depletion is decided at once on the timer
/// thread from the durable state, and the call goes out without waiting for the writer or the fsync of its batch; the
/// writer then records the same depletion, with the same event id, in its next batch. This is only done when the
/// depletion is certain: when no write to the account is decided and not yet durable, and no decision from before the
/// zero instant is being made. Every write decided after the zero instant advances the account through it first, so the
/// depletion (and its id, <c>{account}:{version}</c>) is then fixed by the durable state and the clock alone.
/// Should the process stop before the batch is durable, the restarted writer decides the same depletion and its call is
/// sent again with the same event id (a receiver deduplicates by <c>X-Billing-Event-Id</c>).
/// </summary>
public sealed partial class BillingEngine
{
    // The accounts of the batch being committed: decided, not yet durable. Added by the writer after deciding a batch,
    // removed after the batch is published (or refused).
    private readonly ConcurrentDictionary<string, byte> _undurable = new(StringComparer.Ordinal);
    // Depletions whose call went out ahead of the commit, by event id: their delivery is not handed to the dispatcher again.
    private readonly ConcurrentDictionary<string, byte> _sentAhead = new(StringComparer.Ordinal);
    // While the writer decides a batch: the engine instant before its first decision, a lower bound of every instant in
    // it. long.MaxValue between batches.
    private long _decidingSince = long.MaxValue;
    private long _cutoffsSentAhead;

    /// <summary>A depletion certain before its batch is durable: its first attempt may start now.</summary>
    public event Action<CutoffDelivery>? CutoffDueAhead;

    /// <summary>How many cut-off calls went out ahead of their commit (the rest waited for theirs).</summary>
    public long CutoffsSentAhead => Interlocked.Read(ref _cutoffsSentAhead);

    /// <summary>A wake fell due (timer thread): send what is certain now, and have the writer record it.</summary>
    private void OnWakeDue(string accountId)
    {
        try
        {
            SendAheadIfCertain(accountId);
        }
        catch (Exception bug)
        {
            // The writer's decision below delivers the cut-off after its commit; only the head start is lost.
            _logger.LogError(bug, "Deciding the wake of {AccountId} ahead of the writer failed", accountId);
        }
        _writes.Writer.TryWrite(new WakeRequest(accountId));
    }

    private void SendAheadIfCertain(string accountId)
    {
        if (CutoffDueAhead is not { } dueAhead)
            return;
        // The order of these reads is what makes the decision safe. The instant first, raising the engine's clock: any
        // decision the writer starts after this is at this instant or later, so it passes the zero instant too.
        var now = AdvanceNow();
        // A batch the writer began deciding before that instant may hold a write to this account that is not in the set
        // below yet. Deciding takes microseconds, so wait for it (briefly) rather than leave the call to the commit path,
        // which waits for the log's fsync: at 1,000 writes a second that was about 1 % of cut-offs.
        var decidingSince = DecidedUpTo(now);
        // The writer publishes a batch's states before it takes the batch's accounts out of this set.
        if (_undurable.ContainsKey(accountId) || !_accounts.TryGetValue(accountId, out var state))
            return;
        var change = AccountChange.Of(state, AccountDecider.Decide(state, new Wake(), now));
        foreach (var cutoff in change.Cutoffs)
        {
            // A batch being decided from before the zero instant may hold a write to this account (a credit, say) that
            // is not yet in the set above: only the writer can tell, after its commit.
            if (decidingSince < cutoff.DepletedAt)
                return;
            if (UnitOfWork.Delivery(cutoff, _writerContext, now) is { } delivery && _sentAhead.TryAdd(delivery.EventId, 0))
            {
                Interlocked.Increment(ref _cutoffsSentAhead);
                dueAhead(delivery);
            }
        }
    }

    /// <summary>
    /// Decides the wake of a made-up account that ran out a second ago and builds its delivery, keeping nothing: the
    /// first wake after a start otherwise pays for compiling this path, several milliseconds while its cut-off is due.
    /// </summary>
    public void WarmUpCutoffsAhead()
    {
        var now = _clock.GetUtcNow().UtcTicks;
        var ranOut = AccountState.Open("warm-up", "USD", "http://warm-up.invalid/", null, now - 2 * TimeSpan.TicksPerSecond) with
        {
            Balance = new Money(Money.UnitsPerWhole),
            Rate = new Rate(Money.UnitsPerWhole * 1_000_000), // one whole a second (10^12 millionths of a millionth)
        };
        var change = AccountChange.Of(ranOut, AccountDecider.Decide(ranOut, new Wake(), now));
        if (change.Cutoffs.Count == 0)
            throw new InvalidOperationException("Warming up: a made-up account that ran out a second ago decided no cut-off");
        foreach (var cutoff in change.Cutoffs)
            _ = UnitOfWork.Delivery(cutoff, _writerContext, now);
    }

    /// <summary>
    /// Timer thread: waits up to <see cref="DecidingWait"/> for a batch the writer began deciding before <paramref name="now"/>
    /// to be decided (its accounts are then in the undurable set), and returns the start of the batch being decided then:
    /// <see cref="long.MaxValue"/> for none, an instant at or after <paramref name="now"/> for one begun since, or an
    /// earlier instant if the wait ran out (then the caller leaves the cut-off to the commit path).
    /// </summary>
    private long DecidedUpTo(long now)
    {
        var decidingSince = Volatile.Read(ref _decidingSince);
        if (decidingSince >= now)
            return decidingSince;
        var started = Stopwatch.GetTimestamp();
        var spinner = new SpinWait();
        while ((decidingSince = Volatile.Read(ref _decidingSince)) < now && Stopwatch.GetElapsedTime(started) < DecidingWait)
            spinner.SpinOnce(sleep1Threshold: -1); // yields the core to the writer, never sleeps a whole millisecond
        return decidingSince;
    }

    /// <summary>Longer than deciding a batch usually takes (microseconds a write), short enough not to hold back the other wakes due.</summary>
    private static readonly TimeSpan DecidingWait = TimeSpan.FromMilliseconds(2);

    /// <summary>Writer thread, before deciding a batch: from here until <see cref="BatchDecided"/> its decisions are unknown to the timer.</summary>
    private void DecidingBatch() => Volatile.Write(ref _decidingSince, Volatile.Read(ref _lastNow));

    /// <summary>Writer thread, after deciding a batch: its accounts are now undurable until <see cref="BatchSettled"/>.</summary>
    private void BatchDecided(UnitOfWork work)
    {
        foreach (var state in work.Changed)
            _undurable.TryAdd(state.AccountId, 0);
        Volatile.Write(ref _decidingSince, long.MaxValue);
    }

    /// <summary>Writer thread, after the batch was published or refused.</summary>
    private void BatchSettled(UnitOfWork work)
    {
        foreach (var state in work.Changed)
            _undurable.TryRemove(state.AccountId, out _);
    }

    /// <summary>Deliveries of a durable batch that still need their first attempt: those not sent ahead.</summary>
    private List<CutoffDelivery> NotSentAhead(List<CutoffDelivery> committed) =>
        committed.Where(delivery => !_sentAhead.TryRemove(delivery.EventId, out _)).ToList();
}
