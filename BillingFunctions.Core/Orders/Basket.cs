using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Core.Orders;

/// <summary>Where a basket's order stands. <c>None</c>: the basket was handed out but no order was placed yet.</summary>
public enum OrderStatus
{
    None,
    Pending,
    Paid,
    Rejected,
}

/// <summary>
/// An account's basket and the order placed for it. A basket is paid at most once; until then the same basket id is
/// handed out again and a rejected order may be placed again (a new <c>Attempt</c>, possibly with a new amount).
/// </summary>
public sealed record Basket(
    string BasketId,
    string AccountId,
    long OpenedAt,
    OrderStatus Status,
    int Attempt,
    Money Amount,
    long? DecidedAt,
    string? Reason)
{
    public bool IsPaid => Status == OrderStatus.Paid;

    public static Basket Open(string basketId, string accountId, long now) =>
        new(basketId, accountId, now, OrderStatus.None, 0, Money.Zero, null, null);
}
