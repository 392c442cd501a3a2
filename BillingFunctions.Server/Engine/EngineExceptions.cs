namespace BillingFunctions.Server.Engine;

/// <summary>The write queue is full; the caller should retry later (HTTP 503 with Retry-After).</summary>
public sealed class OverloadedException() : Exception("The write queue is full.");

/// <summary>The store refused a commit; nothing of the batch was acknowledged (HTTP 503, or 507 when the disk is full).</summary>
public sealed class StorageUnavailableException(Exception inner, bool diskFull = false, bool ownershipLost = false)
    : Exception("The store could not commit the write.", inner)
{
    /// <summary>The commit log's disk (or its quota) has no room; retrying helps only once space is freed.</summary>
    public bool DiskFull => diskFull;

    /// <summary>Another process has claimed the database: this process will never write again; the new owner will.</summary>
    public bool OwnershipLost => ownershipLost;
}

/// <summary>SQLite lags the commit log by more than the engine's bound: new writes wait until it catches up (HTTP 503).</summary>
public sealed class ProjectionBehindException() : Exception("The database is too far behind the commit log.");
