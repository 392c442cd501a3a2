using BillingFunctions.Core.Orders;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Orders;

/// <summary><see cref="Basket"/> in serializable fields (entity inputs and state, orchestration payloads).</summary>
public sealed record StoredBasket(string BasketId, string UserId, long OpenedAt, OrderStatus Status, int Attempt, long Amount,
    long? DecidedAt, string? Reason)
{
    public static StoredBasket From(Basket b) => new(b.BasketId, b.UserId, b.OpenedAt, b.Status, b.Attempt, b.Amount.Units, b.DecidedAt, b.Reason);

    public Basket ToBasket() => new(BasketId, UserId, OpenedAt, Status, Attempt, new Money(Amount), DecidedAt, Reason);
}

/// <summary><see cref="PaymentResult"/> in serializable fields.</summary>
public sealed record StoredResult(string BasketId, string UserId, long Amount, int Attempt, OrderStatus Status, string? Reason, long At)
{
    public static StoredResult From(PaymentResult r) => new(r.BasketId, r.UserId, r.Amount.Units, r.Attempt, r.Status, r.Reason, r.At);

    public PaymentResult ToResult() => new(BasketId, UserId, new Money(Amount), Attempt, Status, Reason, At);
}
