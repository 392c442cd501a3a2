using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Holds;

namespace BillingFunctions.Server.Storage;

/// <summary>Everything one group commit writes: one record in the commit log, and rows in SQLite once projected.</summary>
internal sealed partial class CommitBatch
{
    public Dictionary<string, AccountState> Accounts { get; } = new(StringComparer.Ordinal);
    public List<(string AccountId, Hold Hold)> Holds { get; } = [];
    public List<(string EventId, AccountEvent Event)> Events { get; } = [];
    public List<IdempotencyRecord> IdempotencyRecords { get; } = [];
    public List<CutoffDelivery> Deliveries { get; } = [];

    public bool IsEmpty => Accounts.Count == 0 && Holds.Count == 0 && Events.Count == 0
        && IdempotencyRecords.Count == 0 && Deliveries.Count == 0 && !HasOrderChanges;
}
