using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Core.Orders;

/// <summary>
/// What goes on the <c>orders</c> queue: one attempt to pay one basket. The message id names the attempt, not just
/// the basket: a rejected order placed again is a new message, which duplicate detection must not drop.
/// </summary>
public sealed record OrderMessage(string BasketId, string AccountId, Money Amount, int Attempt)
{
    public string MessageId => AttemptId(BasketId, Attempt);

    /// <summary><c>{basketId}:{attempt}</c> — the id of an attempt's order message and of its payment result.</summary>
    public static string AttemptId(string basketId, int attempt) => $"{basketId}:{attempt}";
}

/// <summary>
/// What goes on the <c>payment-results</c> stream, and what the notifications consumer records. Re-emitting a result
/// yields the same <c>ResultId</c>, so duplicates are dropped downstream.
/// </summary>
public sealed record PaymentResult(string BasketId, string AccountId, Money Amount, int Attempt, OrderStatus Status, string? Reason, long At)
{
    public string ResultId => OrderMessage.AttemptId(BasketId, Attempt);
}
