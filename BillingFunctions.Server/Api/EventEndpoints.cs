using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Storage;
using BillingFunctions.Server.Cutoffs;

namespace BillingFunctions.Server.Api;

/// <summary>The event feed (every change, in commit order), cut-off deliveries, and health.</summary>
public static class EventEndpoints
{
    public static void MapEvents(this IEndpointRouteBuilder api)
    {
        api.MapGet("/events", (HttpRequest request, SqliteStore store) =>
            Answers.TryPaging(request, out var after, out var limit, out var problem)
                ? PageOf(store.ReadEvents(after, limit), limit)
                : problem!).Produces<Page<EventResponse>>().AfterProjection();
        api.MapGet("/cutoff-deliveries", (HttpRequest request, SqliteStore store) =>
        {
            var accountId = request.Query["accountId"].ToString();
            if (accountId.Length > 0 && !Answers.TryRouteId(accountId, "accountId", out var problem))
                return problem!;
            return Results.Json(store.ReadDeliveries(accountId.Length > 0 ? accountId : null, 1000).Select(d => new
            {
                d.EventId, d.AccountId, d.Url, d.Episode, depletedAt = Representations.Instant(d.DepletedAt),
                status = d.Status.ToString().ToLowerInvariant(), d.Attempts, nextAttemptAt = Representations.Instant(d.NextAttemptAt),
                d.LastError, deliveredAt = Representations.Instant(d.DeliveredAt),
            }), Representations.Json);
        }).AfterProjection();
        api.MapGet("/health", (BillingEngine engine, CutoffDispatcher dispatcher, Orders.OrderQueues queues, SqliteStore store) =>
        {
            // 503 once another process has claimed the database: a load balancer should stop sending here.
            var lost = store.Ownership.Lost;
            return Results.Json(new
            {
                status = lost is null ? "ok" : "not-owner",
                owner = new { dataDirectory = store.DirectoryLock.Directory, instance = store.Ownership.Instance, lost = lost?.Message },
                accounts = engine.AccountCount,
                pendingWrites = engine.PendingWrites,
                scheduledWakes = engine.ScheduledWakes,
                batches = engine.Batches,
                committedRequests = engine.CommittedRequests,
                cutoffDeliveries = new { waiting = dispatcher.Waiting, inFlight = dispatcher.InFlight },
                queues = queues.All.Select(queue => queue.Stats()),
                checkpoints = store.CheckpointStats,
                projection = store.ProjectionStats,
            }, Representations.Json, statusCode: lost is null ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
    }

    /// <summary>A page and the cursor for the next one (null when this page was not full).</summary>
    internal static IResult PageOf(IReadOnlyList<StoredEvent> events, int limit) =>
        Results.Json(new Page<EventResponse>(events.Select(Representations.Event).ToList(),
            events.Count == limit ? events[^1].Sequence : null), Representations.Json);
}
