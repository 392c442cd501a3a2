using BillingFunctions.Accounts;
using BillingFunctions.Core.Orders;

namespace BillingFunctions.Orders;

/// <summary>What the order consumer does next with one message, before and after asking the account entity.</summary>
public enum OrderAction
{
    /// <summary>The attempt is decided (now or before): record the basket, publish the result, complete the message.</summary>
    Complete,

    /// <summary>Not decided yet and decidable: ask the account entity to charge it.</summary>
    Charge,

    /// <summary>Give the message back (its delivery count rises; the queue dead-letters it past the maximum).</summary>
    Abandon,

    /// <summary>Can never be handled: dead-letter now, with the reason.</summary>
    DeadLetter,
}

/// <summary>One step of the consumer: the action, the basket and result to record (for Complete), or the reason.</summary>
public sealed record OrderStep(OrderAction Action, Basket? Basket, PaymentResult? Result, string? Reason);

/// <summary>
/// The order consumer's decisions as plain code; the rules are <see cref="OrderDecider.Charge"/>'s. Before the entity:
/// a basket already decided for this attempt (a redelivery after the basket row was written) completes with the same
/// result and charges nothing. After it: the entity's decision, remembered per attempt, is turned into the same steps.
/// </summary>
public static class OrderConsumer
{
    public static OrderStep Before(Basket? basket, OrderMessage message, long now)
    {
        if (basket is null)
            return new OrderStep(OrderAction.Abandon, null, null, $"No basket '{message.BasketId}' (yet).");
        // Without an account the core cannot charge; with the basket present that is the only reason it asks to retry.
        var charge = OrderDecider.Charge(basket, message, account: null, now);
        return charge.Disposition switch
        {
            Disposition.Complete => new OrderStep(OrderAction.Complete, charge.Basket, charge.Result, null),
            Disposition.DeadLetter => new OrderStep(OrderAction.DeadLetter, null, null, charge.Reason),
            _ => new OrderStep(OrderAction.Charge, basket, null, null),
        };
    }

    public static OrderStep After(PaymentDecision decision) => decision.Disposition switch
    {
        Disposition.Complete => new OrderStep(OrderAction.Complete, decision.Basket!.ToBasket(), decision.Result!.ToResult(), null),
        Disposition.DeadLetter => new OrderStep(OrderAction.DeadLetter, null, null, decision.Reason),
        _ => new OrderStep(OrderAction.Abandon, null, null, decision.Reason),
    };

    /// <summary>The entity's input for one attempt.</summary>
    public static ChargeRequest Request(Basket basket, OrderMessage message) =>
        new(StoredBasket.From(basket), message.BasketId, message.AccountId, message.Amount.Units, message.Attempt);
}
