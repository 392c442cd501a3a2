using System.Collections.Concurrent;
using BillingFunctions.Core.Holds;
using BillingFunctions.Core.Orders;
using BillingFunctions.Server.Queues;

namespace BillingFunctions.Server.Storage.Log;

/// <summary>
/// What the writer looks up by key (answers kept for operation ids, holds, baskets, dead letters) from batches that are
/// in the log but not yet in SQLite. The writer adds a batch's entries when it appends the batch; the projection forgets
/// them once the batch is committed to SQLite. An entry is forgotten only if no later batch replaced it, so a lookup that
/// misses here finds the newest version in SQLite: it was committed there before its entry left.
/// </summary>
internal sealed class UnprojectedOverlay
{
    private readonly ConcurrentDictionary<string, Tagged<IdempotencyRecord>> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string AccountId, string HoldId), Tagged<Hold>> _holds = new();
    private readonly ConcurrentDictionary<string, Tagged<Basket>> _baskets = new(StringComparer.Ordinal);
    // Accounts with a basket in the overlay, so that looking for an account's open basket scans the overlay only for them.
    private readonly ConcurrentDictionary<string, long> _accountsWithBaskets = new(StringComparer.Ordinal);
    // A null letter: resubmitted, so gone from the dead letters.
    private readonly ConcurrentDictionary<(string Queue, long Sequence), Tagged<DeadLetter?>> _deadLetters = new();

    private readonly record struct Tagged<T>(T Value, long Position);

    public void Add(CommitBatch batch, long position)
    {
        foreach (var record in batch.IdempotencyRecords)
            _answers[record.Key] = new(record, position);
        foreach (var (accountId, hold) in batch.Holds)
            _holds[(accountId, hold.HoldId)] = new(hold, position);
        foreach (var basket in batch.Baskets.Values)
        {
            _baskets[basket.BasketId] = new(basket, position);
            _accountsWithBaskets[basket.AccountId] = position;
        }
        foreach (var change in batch.QueueChanges)
        {
            if (change is MessageDeadLettered { Letter: var letter })
                _deadLetters[(letter.Message.Queue, letter.Message.Sequence)] = new(letter, position);
            else if (change is DeadLetterResubmitted resubmitted)
                _deadLetters[(resubmitted.Queue, resubmitted.DeadLetterSequence)] = new(null, position);
        }
    }

    /// <summary>Called once the batch at <paramref name="position"/> is committed to SQLite.</summary>
    public void Forget(CommitBatch batch, long position)
    {
        foreach (var record in batch.IdempotencyRecords)
            _answers.TryRemove(KeyValuePair.Create(record.Key, new Tagged<IdempotencyRecord>(record, position)));
        foreach (var (accountId, hold) in batch.Holds)
            _holds.TryRemove(KeyValuePair.Create((accountId, hold.HoldId), new Tagged<Hold>(hold, position)));
        foreach (var basket in batch.Baskets.Values)
        {
            _baskets.TryRemove(KeyValuePair.Create(basket.BasketId, new Tagged<Basket>(basket, position)));
            _accountsWithBaskets.TryRemove(KeyValuePair.Create(basket.AccountId, position));
        }
        foreach (var change in batch.QueueChanges)
        {
            if (change is MessageDeadLettered { Letter: var letter })
                _deadLetters.TryRemove(KeyValuePair.Create((letter.Message.Queue, letter.Message.Sequence), new Tagged<DeadLetter?>(letter, position)));
            else if (change is DeadLetterResubmitted resubmitted)
                _deadLetters.TryRemove(KeyValuePair.Create((resubmitted.Queue, resubmitted.DeadLetterSequence), new Tagged<DeadLetter?>(null, position)));
        }
    }

    public bool TryGetAnswer(string key, out IdempotencyRecord record) => TryGet(_answers, key, out record);

    public bool TryGetHold(string accountId, string holdId, out Hold hold) => TryGet(_holds, (accountId, holdId), out hold);

    public bool TryGetBasket(string basketId, out Basket basket) => TryGet(_baskets, basketId, out basket);

    /// <summary>True if the dead letter's newest change is unprojected; then <paramref name="letter"/> is it, null if resubmitted.</summary>
    public bool TryGetDeadLetter(string queue, long sequence, out DeadLetter? letter) => TryGet(_deadLetters, (queue, sequence), out letter);

    /// <summary>
    /// The account's newest unpaid basket, given a read of the newest unpaid one SQLite holds: the overlay's version of
    /// that one if it has changed since, or a newer one opened in the overlay.
    /// </summary>
    public Basket? OpenBasket(string accountId, Func<Basket?> readProjected)
    {
        // The overlay before SQLite: only the writer adds to it (and the writer is the caller), while the projection
        // may forget an entry at any moment, but only once SQLite holds it. Whatever is forgotten between the two
        // reads is therefore in what SQLite returns; read the other way round, it could be in neither.
        var unprojected = new Dictionary<string, Basket>(StringComparer.Ordinal);
        if (_accountsWithBaskets.ContainsKey(accountId))
            foreach (var (basketId, tagged) in _baskets)
                if (tagged.Value.AccountId == accountId)
                    unprojected[basketId] = tagged.Value;
        var projected = readProjected();
        if (projected is not null && unprojected.TryGetValue(projected.BasketId, out var changed))
            projected = changed.IsPaid ? null : changed;
        var open = projected;
        foreach (var basket in unprojected.Values)
            if (!basket.IsPaid && (open is null || basket.OpenedAt > open.OpenedAt))
                open = basket;
        return open;
    }

    private static bool TryGet<TKey, T>(ConcurrentDictionary<TKey, Tagged<T>> entries, TKey key, out T value) where TKey : notnull
    {
        if (entries.TryGetValue(key, out var tagged))
        {
            value = tagged.Value;
            return true;
        }
        value = default!;
        return false;
    }
}
