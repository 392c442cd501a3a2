using System.Text.Json;
using BillingFunctions.Core.Orders;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Orders;

/// <summary>
/// The JSON on the <c>orders</c> queue and the <c>payment-results</c> topic (amounts as decimal strings, like the API).
/// Message ids name the attempt, <c>{basketId}:{attempt}</c>, not the basket alone: a basket rejected for insufficient
/// funds may be ordered again, and with the basket id as the id, Service Bus duplicate detection would drop that later
/// order (and its <c>order.paid</c> result) inside its window. Re-sending the same attempt keeps its id, so true
/// repeats are still dropped.
/// </summary>
public static class OrderWire
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Write(OrderMessage message) =>
        JsonSerializer.Serialize(new OrderBody(message.BasketId, message.UserId, message.Amount.ToString(), message.Attempt), Json);

    public static string Write(PaymentResult result) => JsonSerializer.Serialize(new ResultBody(result.ResultId, result.BasketId, result.UserId,
        result.Amount.ToString(), result.Attempt, Status(result.Status), result.Reason, new DateTime(result.At, DateTimeKind.Utc).ToString("O")), Json);

    /// <summary>A message that cannot be read can never be handled: the consumer dead-letters it with this reason.</summary>
    public static bool TryReadOrder(string body, out OrderMessage? message, out string? reason)
    {
        message = null;
        OrderBody? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<OrderBody>(body, Json);
        }
        catch (JsonException e)
        {
            reason = $"Not an order message: {e.Message}";
            return false;
        }
        if (parsed is null || string.IsNullOrEmpty(parsed.BasketId) || string.IsNullOrEmpty(parsed.UserId) || parsed.Attempt < 1)
        {
            reason = "Not an order message: basketId, userId and a positive attempt are required.";
            return false;
        }
        if (!Money.TryParsePositive(parsed.Amount, out var amount, out var error))
        {
            reason = $"Not an order message: amount {error}.";
            return false;
        }
        message = new OrderMessage(parsed.BasketId, parsed.UserId, amount, parsed.Attempt);
        reason = null;
        return true;
    }

    public static bool TryReadResult(string body, out PaymentResult? result)
    {
        result = null;
        try
        {
            if (JsonSerializer.Deserialize<ResultBody>(body, Json) is not { } parsed || !Money.TryParsePositive(parsed.Amount, out var amount, out _)
                || !DateTime.TryParse(parsed.At, null, System.Globalization.DateTimeStyles.RoundtripKind, out var at)
                || ParseStatus(parsed.Status) is not { } status)
                return false;
            result = new PaymentResult(parsed.BasketId, parsed.UserId, amount, parsed.Attempt, status, parsed.Reason, at.ToUniversalTime().Ticks);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static string Status(OrderStatus status) => status.ToString().ToLowerInvariant();

    private static OrderStatus? ParseStatus(string? text) => text switch
    {
        "paid" => OrderStatus.Paid,
        "rejected" => OrderStatus.Rejected,
        _ => null,
    };

    private sealed record OrderBody(string BasketId, string UserId, string Amount, int Attempt);

    private sealed record ResultBody(string ResultId, string BasketId, string UserId, string Amount, int Attempt, string Status, string? Reason, string At);
}
