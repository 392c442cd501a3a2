using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Core.Holds;

public enum HoldStatus { Active, Captured, Released, Expired }

/// <summary>Funds reserved on an account until captured, released or expired.</summary>
public sealed record Hold(
    string HoldId,
    Money Amount,
    long PlacedAt,
    long? ExpiresAt,
    HoldStatus Status = HoldStatus.Active,
    Money Captured = default)
{
    public bool IsDueToExpire(long now) => Status == HoldStatus.Active && ExpiresAt is { } at && at <= now;
}
