using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Holds;

namespace BillingFunctions.Server.Storage;

/// <summary>Everything one group commit writes, in one SQLite transaction.</summary>
internal sealed partial class CommitBatch
{
    public Dictionary<string, AccountState> Accounts { get; } = new(StringComparer.Ordinal);
    public List<(string AccountId, Hold Hold)> Holds { get; } = [];
    public List<(string EventId, AccountEvent Event)> Events { get; } = [];
    public List<IdempotencyRecord> IdempotencyRecords { get; } = [];
    public List<CutoffDelivery> Deliveries { get; } = [];
    public List<IdempotencyPrune> IdempotencyPrunes { get; } = [];

    public bool IsEmpty => Accounts.Count == 0 && Holds.Count == 0 && Events.Count == 0
        && IdempotencyRecords.Count == 0 && Deliveries.Count == 0 && IdempotencyPrunes.Count == 0 && !HasOrderChanges;
}

/// <summary>One chunk of expired idempotency rows to delete in the batch; <see cref="Deleted"/> is set by the commit.</summary>
internal sealed class IdempotencyPrune(long latestExpired, int chunkRows)
{
    /// <summary>Rows recorded at or before this instant have expired.</summary>
    public long LatestExpired { get; } = latestExpired;
    public int ChunkRows { get; } = chunkRows;
    public int Deleted { get; set; }
}
