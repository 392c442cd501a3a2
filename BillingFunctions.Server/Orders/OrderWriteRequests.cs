using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Orders;
using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Queues;
using BillingFunctions.Server.Storage;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Server.Orders;

/// <summary>A basket as a request left it, or why the request was refused; the endpoint renders it.</summary>
public sealed record BasketDecision(Basket? Basket, Rejection? Rejection)
{
    public static BasketDecision Refused(Rejection rejection) => new(null, rejection);
}

/// <summary>Hands out the account's open basket, or opens one: a compare-and-set on the basket, done by the single writer.</summary>
internal sealed class OpenBasketRequest(string accountId) : AnsweredRequest<BasketDecision>
{
    public override void Apply(UnitOfWork work, long now)
    {
        if (!work.TryGetAccount(accountId, out _))
        {
            Result(BasketDecision.Refused(AccountStep.UnknownAccount(accountId)));
            return;
        }
        var open = work.FindOpenBasket(accountId);
        var basket = OrderDecider.OpenBasket(open, accountId, Guid.CreateVersion7().ToString("N"), now);
        if (!ReferenceEquals(basket, open))
            work.Put(basket);
        Result(new BasketDecision(basket, null));
    }
}

/// <summary>Places an order: the basket turns pending and its message joins the orders queue, in one commit.</summary>
internal sealed class PlaceOrderRequest(string accountId, string basketId, Money amount, DurableQueue orders)
    : AnsweredRequest<BasketDecision>
{
    public override void Apply(UnitOfWork work, long now)
    {
        if (!work.TryGetAccount(accountId, out _))
        {
            Result(BasketDecision.Refused(AccountStep.UnknownAccount(accountId)));
            return;
        }
        var placement = OrderDecider.Place(work.FindBasket(basketId), basketId, accountId, amount);
        if (placement.Rejection is { } rejection)
        {
            Result(BasketDecision.Refused(rejection));
            return;
        }
        if (placement.Message is { } message)
        {
            work.Put(placement.Basket!);
            orders.Enqueue(work, message.MessageId, OrderWire.Write(message), now);
        }
        Result(new BasketDecision(placement.Basket!, null));
    }
}

/// <summary>
/// The billing consumer's charge: decide, and if anything changed, write the basket, the account and the payment
/// result together. Every completion (re-)emits the result; duplicate detection and the notification id absorb repeats.
/// </summary>
internal sealed class ChargeOrderRequest(OrderMessage message, DurableQueue results) : ConfirmedRequest<OrderCharge>
{
    public override void Apply(UnitOfWork work, long now)
    {
        work.TryGetAccount(message.AccountId, out var account);
        var charge = OrderDecider.Charge(work.FindBasket(message.BasketId), message, account, now);
        if (charge.Account is { } outcome)
        {
            if (outcome.Rejection is { } rejection)
                throw new InvalidOperationException($"Recording an order outcome was refused: {rejection.Detail}");
            work.Apply(AccountChange.Of(account!, outcome), now);
            work.Put(charge.Basket!);
        }
        if (charge.Result is { } result)
            results.Enqueue(work, result.ResultId, OrderWire.Write(result), now);
        Decided(charge);
    }
}

/// <summary>The notifications consumer records a payment result for its account, once per result id.</summary>
internal sealed class RecordNotificationRequest(PaymentResult result) : ConfirmedRequest<bool>
{
    public override void Apply(UnitOfWork work, long now)
    {
        work.Batch.Notifications.Add(new Notification(result.ResultId, result.AccountId, result.BasketId, result.Attempt,
            SqliteStore.StatusName(result.Status), result.Amount.Units, result.Reason, result.At, now));
        Decided(true);
    }
}
