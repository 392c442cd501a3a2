using System.Text.Json;
using BillingFunctions.Core.Identity;
using BillingFunctions.Core.Orders;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Server.Orders;

/// <summary>
/// The bodies of queue messages: amounts as decimal strings like everywhere else. Reading is strict, because a
/// queue may carry messages from other producers: anything malformed is a poison message, never a guess.
/// </summary>
internal static class OrderCodec
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    private sealed record OrderBody(string? BasketId, string? UserId, string? Amount, int Attempt);

    private sealed record ResultBody(string? ResultId, string? BasketId, string? UserId, string? Amount, int Attempt, string? Status, string? Reason, long At);

    public static string Write(OrderMessage m) =>
        JsonSerializer.Serialize(new OrderBody(m.BasketId, m.UserId, m.Amount.ToString(), m.Attempt), Options);

    public static string Write(PaymentResult r) =>
        JsonSerializer.Serialize(new ResultBody(r.ResultId, r.BasketId, r.UserId, r.Amount.ToString(), r.Attempt,
            Storage.SqliteStore.StatusName(r.Status), r.Reason, r.At), Options);

    public static bool TryRead(string body, out OrderMessage message)
    {
        message = null!;
        if (Deserialize<OrderBody>(body) is not { } b || !Identifiers.IsValid(b.BasketId) || !Identifiers.IsValid(b.UserId)
            || b.Attempt < 1 || !Money.TryParsePositive(b.Amount, out var amount, out _))
            return false;
        message = new OrderMessage(b.BasketId!, b.UserId!, amount, b.Attempt);
        return true;
    }

    public static bool TryRead(string body, out PaymentResult result)
    {
        result = null!;
        if (Deserialize<ResultBody>(body) is not { } b || !Identifiers.IsValid(b.BasketId) || !Identifiers.IsValid(b.UserId)
            || b.Attempt < 1 || !Money.TryParsePositive(b.Amount, out var amount, out _)
            || !Enum.TryParse<OrderStatus>(b.Status, ignoreCase: true, out var status) || status is not (OrderStatus.Paid or OrderStatus.Rejected))
            return false;
        result = new PaymentResult(b.BasketId!, b.UserId!, amount, b.Attempt, status, b.Reason, b.At);
        return result.ResultId == b.ResultId;
    }

    private static T? Deserialize<T>(string body) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
