using BillingFunctions.Core.Accounts;

namespace BillingFunctions.Contract.Writes;

/// <summary>
/// The keys under which both hosts keep the first answer to an operation id, and the one replay rule. '|' is not allowed
/// in ids, so no caller-chosen id can collide with another account's key or with a transfer's.
/// </summary>
public static class IdempotencyKeys
{
    /// <summary>Operation ids are scoped to their account: two accounts may use the same id independently.</summary>
    public static string Operation(string accountId, string operationId) => $"{accountId}|{operationId}";

    /// <summary>A transfer id names one transfer across both of its accounts.</summary>
    public static string Transfer(string transferId) => $"transfer|{transferId}";

    /// <summary>The stored answer again for the same request; a conflict for the same id with another request.</summary>
    public static WriteResult Replay(IdempotencyRecord stored, string fingerprint) =>
        stored.Fingerprint == fingerprint
            ? new Written(stored.Status, stored.Body, Replayed: true)
            : new Refused(new Rejection(RejectionKind.IdempotencyConflict, "This operation id was already used for a different request."));
}
