using System.Globalization;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Server.Orders;
using BillingFunctions.Server.Storage;
using BillingFunctions.Server.Api;

namespace BillingFunctions.Server.Queues;

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
        }).AfterProjection();
        // Re-drive: once the cause is fixed, an operator puts a dead letter back on its queue. Safe for orders, whose
        // charge is decided once per basket attempt: a message that was charged before it died is completed unpaid.
        api.MapPost("/queues/{queue}/dead-letters/{sequence}/resubmit", async (string queue, string sequence, OrderQueues queues) =>
        {
            if (queues.Find(queue) is not { } found)
                return Problems.For(new Rejection(RejectionKind.NotFound, $"No queue '{queue}'."));
            if (!long.TryParse(sequence, NumberStyles.None, CultureInfo.InvariantCulture, out var deadLetterSequence) || deadLetterSequence <= 0)
                return Problems.For(new Rejection(RejectionKind.Validation, "A dead letter's sequence is a positive whole number."));
            return await EngineAnswers.From(() => found.ResubmitAsync(deadLetterSequence), message => message is null
                ? Problems.For(new Rejection(RejectionKind.NotFound,
                    $"No dead letter {deadLetterSequence} in queue '{queue}' (it may have been resubmitted already)."))
                : Results.Json(new
                {
                    message.MessageId, message.Sequence, message.Body, enqueuedAt = Representations.Instant(message.EnqueuedAt),
                    message.DeliveryCount, resubmittedFrom = deadLetterSequence,
                }, Representations.Json));
        });
    }
}
