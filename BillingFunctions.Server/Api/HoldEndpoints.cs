using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Holds;
using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Storage;

namespace BillingFunctions.Server.Api;

/// <summary>Holds: reserve funds, then capture (all or part) or release; unresolved holds expire on their own.</summary>
public static class HoldEndpoints
{
    public static void MapHolds(this IEndpointRouteBuilder api)
    {
        api.MapPost("/accounts/{accountId}/holds", Place).Produces<HoldResponse>(201);
        api.MapPost("/accounts/{accountId}/holds/{holdId}/capture", Capture).Produces<HoldResponse>();
        api.MapPost("/accounts/{accountId}/holds/{holdId}/release", Release).Produces<HoldResponse>();
        api.MapGet("/accounts/{accountId}/holds", List).Produces<IReadOnlyList<HoldResponse>>();
    }

    private static async Task<IResult> Place(string accountId, HttpRequest request, BillingEngine engine, BillingOptions options)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem))
            return problem!;
        var (body, bodyProblem) = await JsonBody.ReadAsync(request);
        if (body is null)
            return bodyProblem!;
        if (!body.TryId("holdId", true, out var holdId, out problem)
            || !body.TryMoney("amount", true, out var amount, out problem)
            || !body.TryInt("expiresInSeconds", 1, 365 * 24 * 3600, out var expiresIn, out problem)
            || !Answers.TryOperationId(request, body, "operationId", out var operationId, out problem))
            return problem!;
        var seconds = expiresIn ?? options.DefaultHoldExpirySeconds;
        operationId ??= $"hold:{holdId}";
        var expiresAt = engine.Now() + TimeSpan.FromSeconds(seconds).Ticks;
        return await EngineAnswers.From(() => engine.Execute(accountId, new PlaceHold(operationId, holdId!, amount!.Value, expiresAt),
            AccountEndpoints.Key(accountId, operationId), $"hold:{holdId}:{amount!.Value.Units}:{seconds}", Render(holdId!, 201)));
    }

    private static async Task<IResult> Capture(string accountId, string holdId, HttpRequest request, BillingEngine engine)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem) || !Answers.TryRouteId(holdId, "holdId", out problem))
            return problem!;
        var (body, bodyProblem) = await JsonBody.ReadAsync(request, required: false);
        if (body is null)
            return bodyProblem!;
        if (!body.TryMoney("amount", false, out var amount, out problem)
            || !Answers.TryOperationId(request, body, "operationId", out var operationId, out problem))
            return problem!;
        operationId ??= $"hold:{holdId}:capture";
        return await EngineAnswers.From(() => engine.Execute(accountId, new CaptureHold(operationId, holdId, amount),
            AccountEndpoints.Key(accountId, operationId), $"capture:{holdId}:{amount?.Units.ToString() ?? "all"}", Render(holdId, 200)));
    }

    private static async Task<IResult> Release(string accountId, string holdId, HttpRequest request, BillingEngine engine)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem) || !Answers.TryRouteId(holdId, "holdId", out problem))
            return problem!;
        var (body, bodyProblem) = await JsonBody.ReadAsync(request, required: false);
        if (body is null)
            return bodyProblem!;
        if (!Answers.TryOperationId(request, body, "operationId", out var operationId, out problem))
            return problem!;
        operationId ??= $"hold:{holdId}:release";
        return await EngineAnswers.From(() => engine.Execute(accountId, new ReleaseHold(operationId, holdId),
            AccountEndpoints.Key(accountId, operationId), $"release:{holdId}", Render(holdId, 200)));
    }

    private static IResult List(string accountId, BillingEngine engine, SqliteStore store)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem))
            return problem!;
        if (!engine.TryGetAccount(accountId, out _))
            return Problems.For(new Rejection(RejectionKind.NotFound, $"No account '{accountId}'."));
        return Results.Json(store.ReadHolds(accountId).Select(h => Representations.Hold(accountId, h, null)).ToList(), Representations.Json);
    }

    /// <summary>
    /// The hold as this write left it, with the account as of the write. Other holds may have expired in the
    /// same decision (their instant passed just before this request), so pick the one the request named.
    /// </summary>
    internal static Func<AccountState, Outcome, Rendered> Render(string holdId, int status) => (before, outcome) =>
    {
        var hold = HoldChanges.Of(before, outcome).Last(h => h.HoldId == holdId);
        var account = Representations.Account(AccountView.Of(outcome.State));
        return Representations.Render(status, Representations.Hold(before.AccountId, hold, account));
    };
}
