using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Storage;

namespace BillingFunctions.Server.Api;

/// <summary>Accounts: open, read, credit, debit, rate, ledger.</summary>
public static class AccountEndpoints
{
    public static void MapAccounts(this IEndpointRouteBuilder api)
    {
        api.MapPut("/accounts/{accountId}", Open).Produces<AccountResponse>(201).Produces<AccountResponse>(200);
        api.MapGet("/accounts/{accountId}", Get).Produces<AccountResponse>();
        api.MapPost("/accounts/{accountId}/credits", (string accountId, HttpRequest request, BillingEngine engine) =>
            Move(accountId, request, engine, "credit", (id, amount) => new Credit(id, amount))).Produces<AccountResponse>();
        api.MapPost("/accounts/{accountId}/debits", (string accountId, HttpRequest request, BillingEngine engine) =>
            Move(accountId, request, engine, "debit", (id, amount) => new Debit(id, amount))).Produces<AccountResponse>();
        api.MapPut("/accounts/{accountId}/rate", SetRate).Produces<AccountResponse>();
        api.MapGet("/accounts/{accountId}/ledger", Ledger).Produces<Page<EventResponse>>();
    }

    private static async Task<IResult> Open(string accountId, HttpRequest request, BillingEngine engine, BillingOptions options)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem))
            return problem!;
        var (body, bodyProblem) = await JsonBody.ReadAsync(request, required: false);
        if (body is null)
            return bodyProblem!;
        if (!body.TryString("currency", false, out var currency, out problem)
            || !body.TryString("cutoffUrl", false, out var cutoffUrl, out problem)
            || !body.TryInt("lowBalanceWarningSeconds", 1, 30 * 24 * 3600, out var warningSeconds, out problem))
            return problem!;
        currency ??= options.DefaultCurrency;
        if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
            return Problems.Validation("'currency' must be a three-letter upper-case code such as \"USD\".");
        if (cutoffUrl is not null && CallbackUrls.Problem(cutoffUrl, options.AllowedCallbackHosts, options.AllowedPrivateCallbackHosts) is { } urlProblem)
            return Problems.Validation(urlProblem);
        return await EngineAnswers.From(() => engine.Open(accountId, currency, cutoffUrl, warningSeconds,
            (state, created) => Representations.Render(created ? 201 : 200, Representations.Account(AccountView.Of(state)))));
    }

    private static IResult Get(string accountId, BillingEngine engine)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem))
            return problem!;
        return engine.TryGetAccount(accountId, out var state)
            ? Results.Json(Representations.Account(AccountView.At(state, engine.Now())), Representations.Json)
            : Problems.For(new Rejection(RejectionKind.NotFound, $"No account '{accountId}'."));
    }

    private static async Task<IResult> Move(string accountId, HttpRequest request, BillingEngine engine, string verb,
        Func<string, Money, AccountCommand> command)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem))
            return problem!;
        var (body, bodyProblem) = await JsonBody.ReadAsync(request);
        if (body is null)
            return bodyProblem!;
        if (!body.TryMoney("amount", true, out var amount, out problem)
            || !Answers.TryOperationId(request, body, "operationId", out var operationId, out problem))
            return problem!;
        return await EngineAnswers.From(() => engine.Execute(accountId, command(operationId ?? NewOperationId(), amount!.Value),
            Key(accountId, operationId), $"{verb}:{amount!.Value.Units}", RenderAccount));
    }

    private static async Task<IResult> SetRate(string accountId, HttpRequest request, BillingEngine engine)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem))
            return problem!;
        var (body, bodyProblem) = await JsonBody.ReadAsync(request);
        if (body is null)
            return bodyProblem!;
        if (!body.TryRate("ratePerSecond", out var rate, out problem)
            || !Answers.TryOperationId(request, body, "operationId", out var operationId, out problem))
            return problem!;
        return await EngineAnswers.From(() => engine.Execute(accountId, new SetRate(operationId ?? NewOperationId(), rate),
            Key(accountId, operationId), $"rate:{rate.PicoPerSecond}", RenderAccount));
    }

    private static IResult Ledger(string accountId, HttpRequest request, BillingEngine engine, SqliteStore store)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem) || !Answers.TryPaging(request, out var after, out var limit, out problem))
            return problem!;
        if (!engine.TryGetAccount(accountId, out _))
            return Problems.For(new Rejection(RejectionKind.NotFound, $"No account '{accountId}'."));
        return EventEndpoints.PageOf(store.ReadEvents(after, limit, accountId), limit);
    }

    internal static Rendered RenderAccount(AccountState before, Outcome outcome) =>
        Representations.Render(200, Representations.Account(AccountView.Of(outcome.State)));

    /// <summary>Operation ids are scoped to their account: two accounts may use the same id independently.</summary>
    internal static string? Key(string accountId, string? operationId) => operationId is null ? null : $"{accountId}|{operationId}";

    internal static string NewOperationId() => "op:" + Guid.CreateVersion7().ToString("N");
}
