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
    int? LowBalanceWarningSeconds = null)
{
    public static AccountWrite Open(string accountId, string currency, string? cutoffUrl = null, int? lowBalanceWarningSeconds = null) =>
        new(WriteKind.Open, accountId, "open", false, "open", Currency: currency, CutoffUrl: cutoffUrl,
            LowBalanceWarningSeconds: lowBalanceWarningSeconds);

    /// <summary>A credit or a debit of <paramref name="units"/> micro-units.</summary>
    public static AccountWrite Move(WriteKind kind, string accountId, long units, string? operationId = null) =>
        New(kind, accountId, operationId, $"{(kind == WriteKind.Credit ? "credit" : "debit")}:{units}") with { Amount = units };

    public static AccountWrite Rate(string accountId, long picoPerSecond, string? operationId = null) =>
        New(WriteKind.Rate, accountId, operationId, $"rate:{picoPerSecond}") with { RatePicoPerSecond = picoPerSecond };

    /// <summary>Without an operation id a write gets a fresh one and is not remembered: applied once, no replay.</summary>
    public static AccountWrite New(WriteKind kind, string accountId, string? operationId, string fingerprint) =>
        new(kind, accountId, operationId ?? "op:" + Guid.CreateVersion7().ToString("N"), operationId is not null, fingerprint);
}
