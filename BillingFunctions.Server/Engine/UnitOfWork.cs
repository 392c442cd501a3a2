using BillingFunctions.Core.Identity;
using BillingFunctions.Core.Holds;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Server.Storage;

namespace BillingFunctions.Server.Engine;

/// <summary>
/// What a unit of work reads beyond its own batch: the committed accounts (published only after each commit), the
/// operation ids that may be stored and how long their answers are kept, and the default cut-off URL. The engine owns
/// these and hands them over; the unit of work knows nothing else of the engine.
/// </summary>
internal sealed record WriterContext(IReadOnlyDictionary<string, AccountState> Accounts, IdempotencyFilter UsedKeys,
    IdempotencyRetention Retention, Func<string?> DefaultCutoffUrl, ILogger Logger);

/// <summary>
/// One group commit in the making. The batch's account states are an overlay over the committed accounts:
/// decisions in the batch see each other's results, and nothing becomes visible to readers until the batch is on disk.
/// </summary>
internal sealed partial class UnitOfWork(WriterContext committed, SqliteStore store)
{
    private readonly Dictionary<string, IdempotencyRecord> _records = new(StringComparer.Ordinal);

    public CommitBatch Batch { get; } = new();
    public List<(string AccountId, long At)> Wakes { get; } = [];
    public List<CutoffDelivery> NewDeliveries { get; } = [];
    public IEnumerable<AccountState> Changed => Batch.Accounts.Values;

    public bool TryGetAccount(string accountId, out AccountState state) =>
        Batch.Accounts.TryGetValue(accountId, out state!) || committed.Accounts.TryGetValue(accountId, out state!);

    /// <summary>The answer kept for an operation id at <paramref name="now"/>: recorded in this batch, or stored and not expired.</summary>
    public IdempotencyRecord? FindIdempotency(string key, long now)
    {
        if (_records.TryGetValue(key, out var record))
            return record;
        // A pruned id may still be a "maybe" (the filter never forgets): the read then finds nothing, or an expired row.
        return committed.UsedKeys.MayContain(key) && store.FindIdempotency(key) is { } stored
            && committed.Retention.Keeps(stored.RecordedAt, now)
            ? stored
            : null;
    }

    public Hold? FindHold(string accountId, string holdId) => store.FindHold(accountId, holdId);

    public void Remember(IdempotencyRecord record)
    {
        _records[record.Key] = record;
        Batch.IdempotencyRecords.Add(record);
        // Before the commit: if the commit fails, the id is only a false "maybe", never a missed replay.
        committed.UsedKeys.Add(record.Key);
    }

    /// <summary>Takes an accepted change into the batch: state, events, hold records, wakes and cut-off calls.</summary>
    public void Apply(AccountChange change, long now)
    {
        var accountId = change.State.AccountId;
        if (change.WakeAt is { } wakeAt)
            Wakes.Add((accountId, wakeAt));
        if (change.Events.Count == 0)
            return; // settling consumption alone changes nothing worth a write

        Batch.Accounts[accountId] = change.State;
        foreach (var hold in change.Holds)
            Batch.Holds.Add((accountId, hold));
        foreach (var numbered in change.Events)
            Batch.Events.Add((numbered.EventId, numbered.Event));
        foreach (var cutoff in change.Cutoffs)
        {
            if (Delivery(cutoff, committed, now) is not { } delivery)
                continue;
            Batch.Deliveries.Add(delivery);
            NewDeliveries.Add(delivery);
        }
    }

    /// <summary>The outbox row for a cut-off owed, due now; null (and a warning) if there is nowhere to send it.</summary>
    public static CutoffDelivery? Delivery(CutoffCall cutoff, WriterContext context, long now)
    {
        if ((cutoff.Url ?? context.DefaultCutoffUrl()) is not { } url)
        {
            context.Logger.LogWarning("Account {AccountId} is depleted but has no cut-off URL and no default is configured", cutoff.AccountId);
            return null;
        }
        return new CutoffDelivery(cutoff.EventId, cutoff.AccountId, url, cutoff.Episode, cutoff.DepletedAt, now, DeliveryStatus.Pending, 0, now);
    }
}
