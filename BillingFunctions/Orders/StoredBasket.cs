using System.Text.Json.Serialization;
using BillingFunctions.Core.Orders;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Orders;

/// <summary>
/// <see cref="Basket"/> in serializable fields (entity inputs and state, orchestration payloads). The account id keeps the
/// JSON name <c>UserId</c> it was stored under, so entity state and payloads already stored still read.
/// </summary>
public sealed record StoredBasket(string BasketId, [property: JsonPropertyName("UserId")] string AccountId, long OpenedAt, OrderStatus Status,
    int Attempt, long Amount, long? DecidedAt, string? Reason)
{
    public static StoredBasket From(Basket b) => new(b.BasketId, b.AccountId, b.OpenedAt, b.Status, b.Attempt, b.Amount.Units, b.DecidedAt, b.Reason);

    public Basket ToBasket() => new(BasketId, AccountId, OpenedAt, Status, Attempt, new Money(Amount), DecidedAt, Reason);
}

/// <summary><see cref="PaymentResult"/> in serializable fields; the account id keeps its stored name, as in <see cref="StoredBasket"/>.</summary>
public sealed record StoredResult(string BasketId, [property: JsonPropertyName("UserId")] string AccountId, long Amount, int Attempt,
    OrderStatus Status, string? Reason, long At)
{
    public static StoredResult From(PaymentResult r) => new(r.BasketId, r.AccountId, r.Amount.Units, r.Attempt, r.Status, r.Reason, r.At);

    public PaymentResult ToResult() => new(BasketId, AccountId, new Money(Amount), Attempt, Status, Reason, At);
}
