using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Identity;
using BillingFunctions.Core.Orders;

namespace BillingFunctions.Contract.Orders;

/// <summary>
/// The JSON of order messages and payment results, the same on the self-hosted server's queues and on Service Bus:
/// amounts as decimal strings and instants as ISO-8601 UTC, like the API. Reading is strict, because a queue may carry
/// messages from other producers: anything malformed is a poison message (dead-lettered with the reason), never a guess.
/// Message ids name the attempt, <c>{basketId}:{attempt}</c>, not the basket alone: a basket rejected for insufficient
/// funds may be ordered again, and with the basket id as the id, duplicate detection would drop that later order (and
/// its <c>order.paid</c> result) inside its window. Re-sending the same attempt keeps its id, so true repeats are dropped.
/// </summary>
public static class OrderWire
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static string Write(OrderMessage message) =>
        JsonSerializer.Serialize(new OrderBody(message.BasketId, message.AccountId, message.Amount.ToString(), message.Attempt), Json);

    public static string Write(PaymentResult result) => JsonSerializer.Serialize(new ResultBody(result.ResultId, result.BasketId,
        result.AccountId, result.Amount.ToString(), result.Attempt, Status(result.Status), result.Reason,
        JsonSerializer.SerializeToElement(Representations.Instant(result.At))), Json);

    public static bool TryReadOrder(string body, out OrderMessage? message, out string? reason)
    {
        message = null;
        if (Deserialize<OrderBody>(body, out reason) is not { } parsed)
            return false;
        if (!Identifiers.IsValid(parsed.BasketId) || !Identifiers.IsValid(parsed.AccountId) || parsed.Attempt < 1)
            reason = "Not an order message: basketId and userId must be valid ids and attempt a positive number.";
        else if (!Money.TryParsePositive(parsed.Amount, out var amount, out var error))
            reason = $"Not an order message: amount {error}.";
        else
            message = new OrderMessage(parsed.BasketId!, parsed.AccountId!, amount, parsed.Attempt);
        return message is not null;
    }

    public static bool TryReadResult(string body, out PaymentResult? result)
    {
        result = null;
        if (Deserialize<ResultBody>(body, out _) is not { } parsed || !Identifiers.IsValid(parsed.BasketId) || !Identifiers.IsValid(parsed.AccountId)
            || parsed.Attempt < 1 || !Money.TryParsePositive(parsed.Amount, out var amount, out _)
            || ParseStatus(parsed.Status) is not { } status || Instant(parsed.At) is not { } at)
            return false;
        result = new PaymentResult(parsed.BasketId!, parsed.AccountId!, amount, parsed.Attempt, status, parsed.Reason, at);
        return result.ResultId == parsed.ResultId;
    }

    public static string Status(OrderStatus status) => status.ToString().ToLowerInvariant();

    private static OrderStatus? ParseStatus(string? text) => text switch
    {
        "paid" => OrderStatus.Paid,
        "rejected" => OrderStatus.Rejected,
        _ => null,
    };

    /// <summary>
    /// An ISO-8601 instant; or a whole number of UTC ticks, which self-hosted servers before this format wrote into
    /// their stored result messages, so that results still queued across an upgrade are read, not dead-lettered.
    /// </summary>
    private static long? Instant(JsonElement at) => at.ValueKind switch
    {
        JsonValueKind.String when DateTime.TryParse(at.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed)
            && parsed.Kind == DateTimeKind.Utc => parsed.Ticks,
        JsonValueKind.Number when at.TryGetInt64(out var ticks) && ticks is >= 0 and <= 3155378975999999999 => ticks,
        _ => null,
    };

    private static T? Deserialize<T>(string body, out string? reason) where T : class
    {
        try
        {
            var parsed = JsonSerializer.Deserialize<T>(body, Json);
            reason = parsed is null ? "Not an order message: the body is null." : null;
            return parsed;
        }
        catch (JsonException e)
        {
            reason = $"Not an order message: {e.Message}";
            return null;
        }
    }

    // The account id is "userId" in these bodies, as in the platform's order API, so messages already on a queue still read.
    private sealed record OrderBody(string? BasketId, [property: JsonPropertyName("userId")] string? AccountId, string? Amount, int Attempt);

    private sealed record ResultBody(string? ResultId, string? BasketId, [property: JsonPropertyName("userId")] string? AccountId,
        string? Amount, int Attempt, string? Status, string? Reason, JsonElement At);
}
