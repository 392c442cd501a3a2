using BillingFunctions.Server.Storage;

namespace BillingFunctions.Server.Api;

/// <summary>
/// Reads served from SQLite (ledger, events, holds, deliveries, baskets, notifications, dead letters) first wait for
/// the projection to hold every write acknowledged before the request arrived, so a caller always reads its own
/// earlier writes. If SQLite does not catch up within the store's busy timeout, the answer is 503 projection-behind.
/// </summary>
public static class ProjectedReads
{
    public static TBuilder AfterProjection<TBuilder>(this TBuilder endpoint) where TBuilder : IEndpointConventionBuilder =>
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            var store = context.HttpContext.RequestServices.GetRequiredService<SqliteStore>();
            return await store.CaughtUp(context.HttpContext.RequestAborted) ? await next(context) : Problems.ProjectionBehind();
        });
}
