using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Orders;
using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Orders;
using BillingFunctions.Server.Storage;
using BillingFunctions.Server.Api;

namespace BillingFunctions.Server.Orders;

/// <summary>Baskets, orders (placed on the durable <c>orders</c> queue, answered 202) and the notifications of their results.</summary>
public static class OrderEndpoints
{
    public static void MapOrders(this IEndpointRouteBuilder api)
    {
        api.MapPost("/baskets", OpenBasket).AcceptsJson<BasketBody>().Produces<BasketResponse>();
        api.MapPost("/orders", PlaceOrder).AcceptsJson<OrderBody>().Produces<OrderAccepted>(202);
        api.MapGet("/orders/{basketId}", GetOrder).Produces<OrderResponse>().AfterProjection();
        api.MapGet("/notifications", Notifications).Produces<Page<NotificationResponse>>().AfterProjection();
    }

    private static async Task<IResult> OpenBasket(HttpRequest request, BillingEngine engine)
    {
        var (accountId, problem) = await WriteRequests.Basket(request);
        if (accountId is null)
            return problem!;
        return await EngineAnswers.From(() => engine.Submit(new OpenBasketRequest(accountId)), decision =>
            Answer(decision, basket => Results.Json(new BasketResponse(basket.BasketId), Representations.Json)));
    }

    private static async Task<IResult> PlaceOrder(HttpRequest request, BillingEngine engine, OrderQueues queues)
    {
        var (order, problem) = await WriteRequests.Order(request);
        if (order is null)
            return problem!;
        return await EngineAnswers.From(() => engine.Submit(new PlaceOrderRequest(order.AccountId, order.BasketId, order.Amount, queues.Orders)),
            decision => Answer(decision, basket => Results.Json(new OrderAccepted(basket.BasketId, "pending"), Representations.Json, statusCode: 202)));
    }

    /// <summary>Rendered here, at the edge: these answers are not replayed, so nothing of them is stored.</summary>
    private static IResult Answer(BasketDecision decision, Func<Basket, IResult> render) =>
        decision.Rejection is { } rejection ? Problems.For(rejection) : render(decision.Basket!);

    private static IResult GetOrder(string basketId, SqliteStore store)
    {
        if (!Answers.TryRouteId(basketId, "basketId", out var problem))
            return problem!;
        if (store.ReadBasket(basketId) is not { Status: not OrderStatus.None } basket)
            return Problems.For(new Rejection(RejectionKind.NotFound, $"No order for basket '{basketId}'."));
        return Results.Json(Representations.Order(basket), Representations.Json);
    }

    private static IResult Notifications(HttpRequest request, SqliteStore store)
    {
        var accountId = request.Query["userId"].ToString();
        if (!Answers.TryRouteId(accountId, "userId", out var problem) || !Answers.TryPaging(request, out _, out var limit, out problem))
            return problem!;
        var beforeText = request.Query["before"].ToString();
        long before = 0;
        if (beforeText.Length > 0 && !long.TryParse(beforeText, System.Globalization.NumberStyles.None, null, out before))
            return Problems.Validation("'before' must be a non-negative whole number (the 'next' of an earlier page).");
        var notifications = store.ReadNotifications(accountId, before, limit);
        return Results.Json(new Page<NotificationResponse>(notifications.Select(Representations.Notification).ToList(),
            notifications.Count == limit ? notifications[^1].Sequence : null), Representations.Json);
    }
}
