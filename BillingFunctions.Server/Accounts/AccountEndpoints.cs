using BillingFunctions.Core.Accounts;
using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Storage;
using BillingFunctions.Server.Api;

namespace BillingFunctions.Server.Accounts;

/// <summary>Accounts: open, read, credit, debit, rate, ledger.</summary>
public static class AccountEndpoints
{
    public static void MapAccounts(this IEndpointRouteBuilder api)
    {
        api.MapPut("/accounts/{accountId}", (string accountId, HttpRequest request, BillingEngine engine, BillingOptions options) =>
            Submit(engine, WriteRequests.Open(request, accountId, options.WriteRules)))
            .AcceptsJson<OpenAccountBody>(optional: true).Produces<AccountResponse>(201).Produces<AccountResponse>(200);
        api.MapGet("/accounts/{accountId}", Get).Produces<AccountResponse>();
        api.MapPost("/accounts/{accountId}/credits", (string accountId, HttpRequest request, BillingEngine engine) =>
            Submit(engine, WriteRequests.Move(request, accountId, WriteKind.Credit))).AcceptsJson<CreditOrDebitBody>().Produces<AccountResponse>();
        api.MapPost("/accounts/{accountId}/debits", (string accountId, HttpRequest request, BillingEngine engine) =>
            Submit(engine, WriteRequests.Move(request, accountId, WriteKind.Debit))).AcceptsJson<CreditOrDebitBody>().Produces<AccountResponse>();
        api.MapPut("/accounts/{accountId}/rate", (string accountId, HttpRequest request, BillingEngine engine) =>
            Submit(engine, WriteRequests.Rate(request, accountId))).AcceptsJson<RateBody>().Produces<AccountResponse>();
        api.MapGet("/accounts/{accountId}/ledger", Ledger).Produces<Page<EventResponse>>().AfterProjection();
    }

    /// <summary>Reads a write request the way both hosts do, then has the engine apply it; a bad request changes nothing.</summary>
    internal static async Task<IResult> Submit(BillingEngine engine, Task<(AccountWrite? Write, IResult? Problem)> parsing)
    {
        var (write, problem) = await parsing;
        return write is null ? problem! : await EngineAnswers.From(() => engine.Execute(write));
    }

    private static IResult Get(string accountId, BillingEngine engine)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem))
            return problem!;
        return engine.TryGetAccount(accountId, out var state)
            ? Results.Json(Representations.Account(AccountView.At(state, engine.Now())), Representations.Json)
            : Problems.For(AccountStep.UnknownAccount(accountId));
    }

    private static IResult Ledger(string accountId, HttpRequest request, BillingEngine engine, SqliteStore store)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem) || !Answers.TryPaging(request, out var after, out var limit, out problem))
            return problem!;
        if (!engine.TryGetAccount(accountId, out _))
            return Problems.For(AccountStep.UnknownAccount(accountId));
        return EventEndpoints.PageOf(store.ReadEvents(after, limit, accountId), limit);
    }
}
