using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Holds;
using BillingFunctions.Server.Storage;

namespace BillingFunctions.Server.Engine;

/// <summary>
/// One group commit in the making. The batch's account states are an overlay over the committed accounts:
/// decisions in the batch see each other's results, and nothing becomes visible to readers until the batch is on disk.
/// </summary>
internal sealed partial class UnitOfWork(BillingEngine engine, SqliteStore store)
{
    private readonly Dictionary<string, IdempotencyRecord> _records = new(StringComparer.Ordinal);

    public CommitBatch Batch { get; } = new();
    public List<(string AccountId, long At)> Wakes { get; } = [];
    public List<CutoffDelivery> NewDeliveries { get; } = [];
    public IEnumerable<AccountState> Changed => Batch.Accounts.Values;

    public bool TryGetAccount(string accountId, out AccountState state) =>
        Batch.Accounts.TryGetValue(accountId, out state!) || engine.TryGetAccount(accountId, out state!);

    /// <summary>The answer kept for an operation id at <paramref name="now"/>: recorded in this batch, or stored and not expired.</summary>
    public IdempotencyRecord? FindIdempotency(string key, long now)
    {
        if (_records.TryGetValue(key, out var record))
            return record;
        // A pruned id may still be a "maybe" (the filter never forgets): the read then finds nothing, or an expired row.
        return engine.UsedKeys.MayContain(key) && store.FindIdempotency(key) is { } stored
            && engine.IdempotencyRetention.Keeps(stored.RecordedAt, now)
            ? stored
            : null;
    }

    public Hold? FindHold(string accountId, string holdId) => store.FindHold(accountId, holdId);

    public void Remember(IdempotencyRecord record)
    {
        _records[record.Key] = record;
        Batch.IdempotencyRecords.Add(record);
        // Before the commit: if the commit fails, the id is only a false "maybe", never a missed replay.
        engine.UsedKeys.Add(record.Key);
    }

    /// <summary>Takes an accepted outcome into the batch: state, events, hold records, wakes and cut-off calls.</summary>
    public void Apply(AccountState before, Outcome outcome, long now)
    {
        foreach (var effect in outcome.Effects)
            if (effect is ScheduleWake wake)
                Wakes.Add((before.AccountId, wake.At));
        if (outcome.Events.Count == 0)
            return; // settling consumption alone changes nothing worth a write

        var state = outcome.State;
        Batch.Accounts[state.AccountId] = state;
        foreach (var hold in HoldChanges.Of(before, outcome))
            Batch.Holds.Add((state.AccountId, hold));

        var eventIds = new string[outcome.Events.Count];
        for (var i = 0; i < eventIds.Length; i++)
        {
            eventIds[i] = Guid.CreateVersion7().ToString();
            Batch.Events.Add((eventIds[i], outcome.Events[i]));
        }
        foreach (var effect in outcome.Effects)
        {
            if (effect is not CallCutoff cutoff)
                continue;
            var depleted = outcome.Events[cutoff.EventIndex];
            if ((cutoff.Url ?? engine.DefaultCutoffUrl()) is not { } url)
            {
                engine.ReportNoCutoffUrl(state.AccountId);
                continue;
            }
            var delivery = new CutoffDelivery(eventIds[cutoff.EventIndex], state.AccountId, url, depleted.Episode,
                depleted.At, now, DeliveryStatus.Pending, 0, now);
            Batch.Deliveries.Add(delivery);
            NewDeliveries.Add(delivery);
        }
    }
}
