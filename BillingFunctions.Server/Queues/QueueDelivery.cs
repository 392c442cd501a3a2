namespace BillingFunctions.Server.Queues;

/// <summary>A message handed to one consumer under a lock; only the holder of <c>LockToken</c> may settle it, and only before the lock expires.</summary>
public sealed record QueueDelivery(QueueMessage Message, Guid LockToken, long LockedUntil);

/// <summary>What one queue looks like right now, for operators (health and the queues route).</summary>
public sealed record QueueStats(
    string Queue,
    int Active,
    int Locked,
    long DeadLettered,
    long Enqueued,
    long DuplicatesDropped,
    long Deliveries,
    long Redeliveries,
    long Completed,
    long LockExpirations,
    long Resubmitted);
