namespace BillingFunctions.Core.Accounts;

/// <summary>
/// Event type names, the same words in the API, the stores and the docs. <see cref="EventCodec"/> maps a name to its
/// typed event (<see cref="AccountEvent"/>) and back.
/// </summary>
public static class EventTypes
{
    public const string AccountCreated = "account.created";
    public const string AccountCredited = "account.credited";
    public const string AccountDebited = "account.debited";
    public const string RateChanged = "account.rate_changed";
    public const string TransferCompleted = "transfer.completed";
    public const string HoldPlaced = "hold.placed";
    public const string HoldCaptured = "hold.captured";
    public const string HoldReleased = "hold.released";
    public const string HoldExpired = "hold.expired";
    public const string AccountDepleted = "account.depleted";
    public const string AccountRestored = "account.restored";
    public const string LowBalance = "account.low_balance";
    public const string OrderPaid = "order.paid";
    public const string OrderRejected = "order.rejected";

    /// <summary>Every type name, in the order above.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        AccountCreated, AccountCredited, AccountDebited, RateChanged, TransferCompleted, HoldPlaced, HoldCaptured,
        HoldReleased, HoldExpired, AccountDepleted, AccountRestored, LowBalance, OrderPaid, OrderRejected,
    ];
}
