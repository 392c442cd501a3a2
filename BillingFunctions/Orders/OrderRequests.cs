using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Orders;
using BillingFunctions.Local.Api;
using BillingFunctions.Tables;
using Microsoft.AspNetCore.Http;

namespace BillingFunctions.Orders;

/// <summary>An order as the API shows it.</summary>
public sealed record OrderResponse(string BasketId, string UserId, string Amount, string Status);

/// <summary>A recorded payment result as the API lists it.</summary>
public sealed record NotificationResponse(string NotificationId, string UserId, string BasketId, int Attempt, string Status, string Amount,
    string? Reason, string At);

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

    public static OrderResponse Render(Basket basket) =>
        new(basket.BasketId, basket.UserId, basket.Amount.ToString(), OrderWire.Status(basket.Status));

    public static NotificationResponse Render(NotificationRow row) => new(row.RowKey, row.PartitionKey, row.BasketId, row.Attempt,
        row.Status.ToLowerInvariant(), new Core.Money.Money(row.Amount).ToString(), row.Reason, Representations.Instant(row.At));

    /// <summary>Order rejections: the two order kinds are conflicts; the rest share the account mapping.</summary>
    public static IResult Problem(Rejection rejection) => rejection.Kind switch
    {
        RejectionKind.BasketPaid => Results.Problem(rejection.Detail, statusCode: 409, title: "Basket already paid", type: Problems.TypePrefix + "basket-paid"),
        RejectionKind.OrderPending => Results.Problem(rejection.Detail, statusCode: 409, title: "An order is pending", type: Problems.TypePrefix + "order-pending"),
        _ => Problems.For(rejection),
    };
}

public sealed record OrderPlacementRequest(string UserId, string BasketId, Core.Money.Money Amount);
