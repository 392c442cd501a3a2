using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Storage;
using BillingFunctions.Server.Api;

namespace BillingFunctions.Server.Accounts;

/// <summary>Holds: reserve funds, then capture (all or part) or release; unresolved holds expire on their own.</summary>
public static class HoldEndpoints
{
    public static void MapHolds(this IEndpointRouteBuilder api)
    {
        api.MapPost("/accounts/{accountId}/holds", (string accountId, HttpRequest request, BillingEngine engine, BillingOptions options) =>
            AccountEndpoints.Submit(engine, WriteRequests.Hold(request, accountId, options.WriteRules)))
            .AcceptsJson<HoldBody>().Produces<HoldResponse>(201);
        api.MapPost("/accounts/{accountId}/holds/{holdId}/capture", (string accountId, string holdId, HttpRequest request, BillingEngine engine) =>
            AccountEndpoints.Submit(engine, WriteRequests.Capture(request, accountId, holdId)))
            .AcceptsJson<CaptureBody>(optional: true).Produces<HoldResponse>();
        api.MapPost("/accounts/{accountId}/holds/{holdId}/release", (string accountId, string holdId, HttpRequest request, BillingEngine engine) =>
            AccountEndpoints.Submit(engine, WriteRequests.Release(request, accountId, holdId)))
            .AcceptsJson<ReleaseBody>(optional: true).Produces<HoldResponse>();
        api.MapGet("/accounts/{accountId}/holds", List).Produces<IReadOnlyList<HoldResponse>>().AfterProjection();
    }

    private static IResult List(string accountId, BillingEngine engine, SqliteStore store)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem))
            return problem!;
        if (!engine.TryGetAccount(accountId, out _))
            return Problems.For(AccountStep.UnknownAccount(accountId));
        return Results.Json(store.ReadHolds(accountId).Select(h => Representations.Hold(accountId, h, null)).ToList(), Representations.Json);
    }
}
