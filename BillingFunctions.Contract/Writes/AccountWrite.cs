namespace BillingFunctions.Contract.Writes;

public enum WriteKind { Open, Credit, Debit, Rate, Hold, Capture, Release }

/// <summary>
/// One write to one account, as both hosts take it from a request: flat and serializable, because on Azure it crosses
/// the Durable runtime as JSON. <c>Remember</c> is false when the caller gave no operation id (applied once, nothing to replay).
/// The fingerprint is the request's identity for replays: the same id with another fingerprint is a conflict.
/// </summary>
public sealed record AccountWrite(
    WriteKind Kind,
    string AccountId,
    string OperationId,
    bool Remember,
    string Fingerprint,
    long? Amount = null,
    long? RatePicoPerSecond = null,
    string? HoldId = null,
    int? ExpiresInSeconds = null,
    string? Currency = null,
    string? CutoffUrl = null,
    int? LowBalanceWarningSeconds = null);
