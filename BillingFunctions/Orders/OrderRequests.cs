using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Orders;
using BillingFunctions.Tables;
using Microsoft.AspNetCore.Http;

namespace BillingFunctions.Orders;

/// <summary>Order routes' parsing and rendering, with the shared body parser and problem details.</summary>
public static class OrderRequests
{
    public static async Task<(string? UserId, IResult? Problem)> Basket(HttpRequest request)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
            return (null, problem);
        return body.TryId("userId", true, out var userId, out problem) ? (userId, null) : (null, problem);
    }

    public static async Task<(OrderPlacementRequest? Order, IResult? Problem)> Order(HttpRequest request)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
            return (null, problem);
        if (!body.TryId("userId", true, out var userId, out problem)
            || !body.TryId("basketId", true, out var basketId, out problem)
            || !body.TryMoney("amount", true, out var amount, out problem))
            return (null, problem);
        return (new OrderPlacementRequest(userId!, basketId!, amount!.Value), null);
    }

    public static NotificationResponse Render(NotificationRow row) => Representations.Notification(row.ToNotification());
}

public sealed record OrderPlacementRequest(string UserId, string BasketId, Money Amount);
