using Azure.Messaging.ServiceBus;
using BillingFunctions.Accounts;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Orders;
using BillingFunctions.Http;
using BillingFunctions.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace BillingFunctions.Orders;

/// <summary>
/// Baskets, orders and notifications. Placing an order writes the basket (compare-and-set) and sends the attempt to the
/// <c>orders</c> queue; the consumer charges it through the account entity, at most once per attempt:
/// <list type="number">
/// <item>read the basket; if this attempt is already decided there, complete with the same result (no charge);</item>
/// <item>otherwise ask the entity (<see cref="AccountEntity.Pay"/>): it decides atomically with the balance and remembers
///   the decision per attempt, so a redelivery after a crash gets the same decision, not a second charge;</item>
/// <item>write the basket row (ETag compare-and-set), publish the result (message id = attempt id), tell the entity the
///   decision is durable, and only then complete the message.</item>
/// </list>
/// </summary>
public sealed class OrderFunctions(BillingSettings settings, BasketStore baskets, OrderBus bus, BillingTables tables, TimeProvider clock,
    ILogger<OrderFunctions> log)
{
    [Function("OpenBasket")]
    public Task<IActionResult> OpenBasket([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "baskets")] HttpRequest request) =>
        HttpAnswers.Guarded(request, settings, async () =>
        {
            var (accountId, problem) = await WriteRequests.Basket(request);
            if (accountId is null)
                return problem!;
            var basket = await baskets.Open(accountId, clock.GetUtcNow().UtcTicks, request.HttpContext.RequestAborted);
            return Results.Json(new BasketResponse(basket.BasketId), Representations.Json);
        });

    [Function("PlaceOrder")]
    public Task<IActionResult> PlaceOrder([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "orders")] HttpRequest request) =>
        HttpAnswers.Guarded(request, settings, async () =>
        {
            var (order, problem) = await WriteRequests.Order(request);
            if (order is null)
                return problem!;
            var cancellation = request.HttpContext.RequestAborted;
            var (basket, etag) = await baskets.Get(order.BasketId, cancellation);
            var placement = OrderDecider.Place(basket, order.BasketId, order.AccountId, order.Amount);
            if (placement.Rejection is { } rejection)
                return Problems.For(rejection);
            if (placement.Message is not null && !await baskets.TryReplace(placement.Basket!, etag, cancellation))
                return Problems.For(new Rejection(RejectionKind.OrderPending, $"Basket '{order.BasketId}' changed meanwhile; retry."));
            // A client retry of the same pending order sends the attempt again: if the first send was lost, this is it;
            // if not, duplicate detection drops it (same message id).
            var pending = placement.Basket!;
            await bus.Send(new OrderMessage(pending.BasketId, pending.AccountId, pending.Amount, pending.Attempt), cancellation);
            return Results.Json(new OrderAccepted(pending.BasketId, "pending"), Representations.Json, statusCode: 202);
        });

    [Function("GetOrder")]
    public Task<IActionResult> GetOrder([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "orders/{basketId}")] HttpRequest request,
        string basketId) =>
        HttpAnswers.Guarded(request, settings, async () =>
        {
            if (!Answers.TryRouteId(basketId, "basketId", out var problem))
                return problem!;
            var (basket, _) = await baskets.Get(basketId, request.HttpContext.RequestAborted);
            return basket is { Status: not OrderStatus.None }
                ? Results.Json(Representations.Order(basket), Representations.Json)
                : Problems.For(new Rejection(RejectionKind.NotFound, $"No order for basket '{basketId}'."));
        });

    [Function("ListNotifications")]
    public Task<IActionResult> Notifications([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "notifications")] HttpRequest request) =>
        HttpAnswers.Guarded(request, settings, async () =>
        {
            var accountId = request.Query["userId"].ToString();
            if (!Answers.TryRouteId(accountId, "userId", out var problem) || !Answers.TryPaging(request, out _, out var limit, out problem))
                return problem!;
            var beforeText = request.Query["before"].ToString();
            long before = long.MaxValue;
            if (beforeText.Length > 0 && !long.TryParse(beforeText, System.Globalization.NumberStyles.None, null, out before))
                return Problems.Validation("'before' must be a non-negative whole number (the 'next' of an earlier page).");
            // An account's results are one partition, newest first as on the self-hosted server; the cursor is the recorded instant.
            var table = await tables.Notifications;
            var filter = Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {accountId} and RecordedAt lt {before}");
            var rows = new List<Notification>();
            await foreach (var row in table.QueryAsync<NotificationRow>(filter, cancellationToken: request.HttpContext.RequestAborted))
                rows.Add(row.ToNotification());
            var page = rows.OrderByDescending(n => n.Sequence).ThenByDescending(n => n.NotificationId, StringComparer.Ordinal).Take(limit).ToList();
            return Results.Json(new Contract.Page<NotificationResponse>(page.Select(Representations.Notification).ToList(),
                page.Count == limit ? page[^1].Sequence : null), Representations.Json);
        });

    [Function(nameof(ChargeOrders))]
    public async Task ChargeOrders(
        [ServiceBusTrigger(BillingSettings.OrdersQueue, Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, [DurableClient] DurableTaskClient client, CancellationToken cancellation)
    {
        if (!OrderWire.TryReadOrder(message.Body.ToString(), out var order, out var unreadable))
        {
            await actions.DeadLetterMessageAsync(message, deadLetterReason: "unreadable", deadLetterErrorDescription: unreadable,
                cancellationToken: cancellation);
            return;
        }
        var (basket, etag) = await baskets.Get(order!.BasketId, cancellation);
        var step = OrderConsumer.Before(basket, order, clock.GetUtcNow().UtcTicks);
        if (step.Action == OrderAction.Charge)
        {
            var (done, decision) = await Orchestrations.RunAsync<PaymentDecision>(client, nameof(ChargeOrder),
                OrderConsumer.Request(basket!, order), settings.WriteTimeoutSeconds, cancellation);
            step = done ? OrderConsumer.After(decision!) : new OrderStep(OrderAction.Abandon, null, null, "The account did not answer in time.");
        }
        switch (step.Action)
        {
            case OrderAction.Complete:
                await Record(step, etag, client, cancellation);
                await actions.CompleteMessageAsync(message, cancellation);
                break;
            case OrderAction.DeadLetter:
                await actions.DeadLetterMessageAsync(message, deadLetterReason: "invalid", deadLetterErrorDescription: step.Reason,
                    cancellationToken: cancellation);
                break;
            default:
                log.LogWarning("Order {MessageId} given back (delivery {Count}): {Reason}", message.MessageId, message.DeliveryCount, step.Reason);
                await actions.AbandonMessageAsync(message, cancellationToken: cancellation);
                break;
        }
    }

    /// <summary>Calls the account entity to charge one attempt and returns its decision.</summary>
    [Function(nameof(ChargeOrder))]
    public static Task<PaymentDecision> ChargeOrder([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var request = context.GetInput<ChargeRequest>()!;
        return context.Entities.CallEntityAsync<PaymentDecision>(AccountEntity.Id(request.AccountId), nameof(AccountEntity.Pay), request);
    }

    /// <summary>Every payment result, recorded once per result id for its account: a redelivery finds its row and changes nothing.</summary>
    [Function(nameof(RecordNotification))]
    public async Task RecordNotification(
        [ServiceBusTrigger(BillingSettings.ResultsTopic, BillingSettings.NotificationsSubscription, Connection = "ServiceBusConnection")] string body,
        CancellationToken cancellation)
    {
        if (!OrderWire.TryReadResult(body, out var result))
            throw new InvalidOperationException("Unreadable payment result; Service Bus dead-letters it after its maximum delivery count.");
        await tables.RecordNotification(result!, clock.GetUtcNow().UtcTicks, cancellation);
    }

    /// <summary>
    /// Makes a decided attempt durable outside the entity, in this order: the basket row (compare-and-set; a lost race is
    /// fine when the winner wrote the same decision), the published result, then the entity may forget the attempt.
    /// </summary>
    private async Task Record(OrderStep step, Azure.ETag etag, DurableTaskClient client, CancellationToken cancellation)
    {
        var decided = step.Basket!;
        if (!await baskets.TryReplace(decided, etag, cancellation))
        {
            var (current, _) = await baskets.Get(decided.BasketId, cancellation);
            if (current is null || current.Attempt < decided.Attempt || (current.Attempt == decided.Attempt && current.Status == OrderStatus.Pending))
                throw new InvalidOperationException($"Basket '{decided.BasketId}' changed while its order was charged; the message will be retried.");
        }
        await bus.Publish(step.Result!, cancellation);
        await client.Entities.SignalEntityAsync(AccountEntity.Id(decided.AccountId), nameof(AccountEntity.ConfirmPayment),
            step.Result!.ResultId, cancellation: cancellation);
    }
}
