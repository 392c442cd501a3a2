using BillingFunctions.Core.Accounts;
using BillingFunctions.Local.Orders;
using BillingFunctions.Local.Storage;

namespace BillingFunctions.Local.Api;

/// <summary>For operators: queue depth, locks, redeliveries and dead letters (with their reasons).</summary>
public static class QueueEndpoints
{
    public static void MapQueues(this IEndpointRouteBuilder api)
    {
        api.MapGet("/queues", (OrderQueues queues) => Results.Json(queues.All.Select(q => q.Stats()), Representations.Json));
        api.MapGet("/queues/{queue}/dead-letters", (string queue, HttpRequest request, OrderQueues queues, SqliteStore store) =>
        {
            if (queues.Find(queue) is null)
                return Problems.For(new Rejection(RejectionKind.NotFound, $"No queue '{queue}'."));
            if (!Answers.TryPaging(request, out _, out var limit, out var problem))
                return problem!;
            return Results.Json(store.ReadDeadLetters(queue, limit).Select(d => new
            {
                d.Message.MessageId, d.Message.Sequence, d.Message.Body, enqueuedAt = Representations.Instant(d.Message.EnqueuedAt),
                d.Message.DeliveryCount, d.Reason, d.Description, deadLetteredAt = Representations.Instant(d.DeadLetteredAt),
            }), Representations.Json);
        });
    }
}
