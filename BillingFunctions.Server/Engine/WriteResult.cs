using BillingFunctions.Core.Accounts;

namespace BillingFunctions.Server.Engine;

/// <summary>The answer to a write: a committed (or replayed) response, or a business rejection that changed nothing.</summary>
public abstract record WriteResult;

/// <summary>A response body already rendered, stored with the operation id so a retry gets the very same bytes.</summary>
public sealed record Written(int Status, string Body, bool Replayed) : WriteResult;

public sealed record Refused(Rejection Rejection) : WriteResult;

/// <summary>How an API call renders the state its write produced; runs on the writer so the stored replay matches.</summary>
public readonly record struct Rendered(int Status, string Body);

/// <summary>The write queue is full; the caller should retry later (HTTP 503 with Retry-After).</summary>
public sealed class OverloadedException() : Exception("The write queue is full.");

/// <summary>The store refused a commit; nothing of the batch was acknowledged (HTTP 503, or 507 when the disk is full).</summary>
public sealed class StorageUnavailableException(Exception inner, bool diskFull = false, bool ownershipLost = false)
    : Exception("The store could not commit the write.", inner)
{
    /// <summary>SQLITE_FULL: the disk (or the file system's quota) has no room; retrying helps only once space is freed.</summary>
    public bool DiskFull => diskFull;

    /// <summary>Another process has claimed the database: this process will never write again; the new owner will.</summary>
    public bool OwnershipLost => ownershipLost;
}
