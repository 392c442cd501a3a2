namespace BillingFunctions.Core.Accounts;

/// <summary>Event type names, the same words in the API, the store and the docs.</summary>
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
}

/// <summary>
/// One change to one account, as a ledger entry. <c>Consumed</c> is the consumption settled since the
/// account's previous event, so entries reconcile: previous BalanceAfter - Consumed = BalanceBefore.
/// Amounts are micro-units; <c>Amount</c> is the magnitude and <c>Delta</c> the signed change it made.
/// Ids are minted by the host when it stores the event.
/// </summary>
public sealed record AccountEvent(
    string Type,
    string AccountId,
    long At,
    string? OperationId,
    long Amount,
    long Delta,
    long Consumed,
    long BalanceBefore,
    long BalanceAfter,
    long HeldAfter,
    int Episode,
    string? HoldId = null,
    string? Counterparty = null,
    long? RatePerSecond = null);
