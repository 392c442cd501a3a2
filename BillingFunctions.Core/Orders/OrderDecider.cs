using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Core.Orders;

/// <summary>The result of placing an order: the basket after it and the message to enqueue (null if none is needed), or a rejection.</summary>
public sealed record OrderPlacement(Basket? Basket, OrderMessage? Message, Rejection? Rejection)
{
    public bool Accepted => Rejection is null;
}

/// <summary>What a queue consumer does with a message once its handler has decided.</summary>
public enum Disposition
{
    /// <summary>Handled (or already handled before): remove it from the queue.</summary>
    Complete,

    /// <summary>Cannot be handled yet: give it back; the queue dead-letters it after its maximum delivery count.</summary>
    Retry,

    /// <summary>Can never be handled: move it to the dead letters with the reason, at once.</summary>
    DeadLetter,
}

/// <summary>
/// The billing consumer's decision for one order message. <c>Account</c> is the account outcome to persist with the
/// basket (null when nothing is charged or recorded again); <c>Result</c> is emitted whenever the message completes,
/// also for redeliveries, so a crash between charging and completing loses no result.
/// </summary>
public sealed record OrderCharge(Disposition Disposition, Basket? Basket, Outcome? Account, PaymentResult? Result, string? Reason)
{
    public bool Changed => Account is not null;
}

/// <summary>
/// Baskets and orders: hand out a basket, place an order on it, and charge it when its message is consumed.
/// Pure like the account decider; the host supplies new ids and the time, and persists baskets with compare-and-set.
/// </summary>
public static class OrderDecider
{
    /// <summary>The account's open basket if there is one, else a new basket with the id the host minted.</summary>
    public static Basket OpenBasket(Basket? open, string accountId, string newBasketId, long now) =>
        open is { IsPaid: false } && open.AccountId == accountId ? open : Basket.Open(newBasketId, accountId, now);

    /// <summary>
    /// Places an order. Placing the same pending order again is accepted without a new message (a client retry);
    /// a different amount while one is pending, or any order on a paid basket, is a conflict.
    /// </summary>
    public static OrderPlacement Place(Basket? basket, string basketId, string accountId, Money amount)
    {
        if (basket is null || basket.AccountId != accountId)
            return Refuse(basket, RejectionKind.NotFound, $"Account '{accountId}' has no basket '{basketId}'.");
        if (amount.Units <= 0)
            return Refuse(basket, RejectionKind.Validation, "Amounts must be greater than zero.");
        return basket.Status switch
        {
            OrderStatus.Paid => Refuse(basket, RejectionKind.BasketPaid, $"Basket '{basketId}' is already paid."),
            OrderStatus.Pending when basket.Amount == amount => new OrderPlacement(basket, null, null),
            OrderStatus.Pending => Refuse(basket, RejectionKind.OrderPending,
                $"An order of {basket.Amount} for basket '{basketId}' is still pending."),
            _ => Enqueue(basket with { Status = OrderStatus.Pending, Attempt = basket.Attempt + 1, Amount = amount, DecidedAt = null, Reason = null }),
        };

        static OrderPlacement Enqueue(Basket pending) =>
            new(pending, new OrderMessage(pending.BasketId, pending.AccountId, pending.Amount, pending.Attempt), null);
    }

    /// <summary>
    /// Charges an order message against the basket's account, at most once per basket. A message for a basket that is
    /// already decided (a redelivery, or an older attempt) charges nothing and re-emits that attempt's result.
    /// Insufficient funds is a result (<c>order.rejected</c>), not a failure: the message completes.
    /// </summary>
    public static OrderCharge Charge(Basket? basket, OrderMessage message, AccountState? account, long now)
    {
        if (basket is null)
            return Unhandled(Disposition.Retry, $"No basket '{message.BasketId}' (yet).");
        if (basket.AccountId != message.AccountId || message.Attempt > basket.Attempt || message.Attempt < 1)
            return Unhandled(Disposition.DeadLetter, $"Message for basket '{message.BasketId}' does not match the basket (account or attempt).");
        if (basket.IsPaid || message.Attempt != basket.Attempt || basket.Status != OrderStatus.Pending)
            return new OrderCharge(Disposition.Complete, basket, null, Replay(basket, message), null);
        if (account is null)
            return Unhandled(Disposition.Retry, $"No account '{basket.AccountId}' (yet).");

        var paid = AccountDecider.Decide(account, new PayOrder(basket.BasketId, basket.Amount), now);
        if (paid.Accepted)
        {
            var settled = basket with { Status = OrderStatus.Paid, DecidedAt = now };
            return new OrderCharge(Disposition.Complete, settled, paid, ResultOf(settled, now), null);
        }
        var rejected = basket with { Status = OrderStatus.Rejected, DecidedAt = now, Reason = paid.Rejection!.Detail };
        var recorded = AccountDecider.Decide(account, new RejectOrder(basket.BasketId, basket.Amount), now);
        return new OrderCharge(Disposition.Complete, rejected, recorded, ResultOf(rejected, now), null);
    }

    private static PaymentResult Replay(Basket basket, OrderMessage message)
    {
        // An older attempt was necessarily rejected: only a rejection lets a basket take another attempt.
        if (message.Attempt != basket.Attempt)
            return new PaymentResult(basket.BasketId, basket.AccountId, message.Amount, message.Attempt, OrderStatus.Rejected,
                "Superseded by a later order on the same basket.", basket.DecidedAt ?? basket.OpenedAt);
        return ResultOf(basket, basket.DecidedAt ?? basket.OpenedAt);
    }

    private static PaymentResult ResultOf(Basket basket, long at) =>
        new(basket.BasketId, basket.AccountId, basket.Amount, basket.Attempt, basket.Status, basket.Reason, at);

    private static OrderCharge Unhandled(Disposition disposition, string reason) => new(disposition, null, null, null, reason);

    private static OrderPlacement Refuse(Basket? basket, RejectionKind kind, string detail) =>
        new(basket, null, new Rejection(kind, detail));
}
