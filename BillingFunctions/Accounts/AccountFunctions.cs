using BillingFunctions.Core.Accounts;
using BillingFunctions.Http;
using BillingFunctions.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace BillingFunctions.Accounts;

/// <summary>
/// Account and hold routes (docs/http-api.md). Writes go through the <see cref="AccountWrite"/> orchestration, which calls the
/// entity and returns its answer; reads use the entity client (the state as last committed, advanced to now by the core).
/// </summary>
public sealed class AccountFunctions(BillingSettings settings, BillingTables tables, TimeProvider clock)
{
    [Function("OpenAccount")]
    public Task<IActionResult> Open([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "accounts/{accountId}")] HttpRequest request,
        string accountId, [DurableClient] DurableTaskClient client) =>
        Write(request, client, () => WriteRequests.Open(request, accountId, settings.WriteRules));

    [Function("CreditAccount")]
    public Task<IActionResult> Credit([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "accounts/{accountId}/credits")] HttpRequest request,
        string accountId, [DurableClient] DurableTaskClient client) =>
        Write(request, client, () => WriteRequests.Move(request, accountId, WriteKind.Credit));

    [Function("DebitAccount")]
    public Task<IActionResult> Debit([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "accounts/{accountId}/debits")] HttpRequest request,
        string accountId, [DurableClient] DurableTaskClient client) =>
        Write(request, client, () => WriteRequests.Move(request, accountId, WriteKind.Debit));

    [Function("SetRate")]
    public Task<IActionResult> SetRate([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "accounts/{accountId}/rate")] HttpRequest request,
        string accountId, [DurableClient] DurableTaskClient client) =>
        Write(request, client, () => WriteRequests.Rate(request, accountId));

    [Function("PlaceHold")]
    public Task<IActionResult> PlaceHold([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "accounts/{accountId}/holds")] HttpRequest request,
        string accountId, [DurableClient] DurableTaskClient client) =>
        Write(request, client, () => WriteRequests.Hold(request, accountId, settings.WriteRules));

    [Function("CaptureHold")]
    public Task<IActionResult> Capture([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "accounts/{accountId}/holds/{holdId}/capture")]
        HttpRequest request, string accountId, string holdId, [DurableClient] DurableTaskClient client) =>
        Write(request, client, () => WriteRequests.Capture(request, accountId, holdId));

    [Function("ReleaseHold")]
    public Task<IActionResult> Release([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "accounts/{accountId}/holds/{holdId}/release")]
        HttpRequest request, string accountId, string holdId, [DurableClient] DurableTaskClient client) =>
        Write(request, client, () => WriteRequests.Release(request, accountId, holdId));

    [Function("GetAccount")]
    public Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "accounts/{accountId}")] HttpRequest request,
        string accountId, [DurableClient] DurableTaskClient client) =>
        HttpAnswers.Guarded(request, settings, async () =>
        {
            if (!Answers.TryRouteId(accountId, "accountId", out var problem))
                return problem!;
            return await Read(client, accountId) is { } state
                ? Results.Json(Representations.Account(AccountView.At(state, clock.GetUtcNow().UtcTicks)), Representations.Json)
                : NoAccount(accountId);
        });

    /// <summary>The active holds, from the entity; resolved holds are in the ledger (hold.captured / released / expired).</summary>
    [Function("ListHolds")]
    public Task<IActionResult> Holds([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "accounts/{accountId}/holds")] HttpRequest request,
        string accountId, [DurableClient] DurableTaskClient client) =>
        HttpAnswers.Guarded(request, settings, async () =>
        {
            if (!Answers.TryRouteId(accountId, "accountId", out var problem))
                return problem!;
            if (await Read(client, accountId) is not { } state)
                return NoAccount(accountId);
            var current = AccountDecider.Decide(state, new Wake(), clock.GetUtcNow().UtcTicks).State;
            return Results.Json(current.Holds.Values.Select(h => Representations.Hold(accountId, h, null)).ToList(), Representations.Json);
        });

    [Function("Ledger")]
    public Task<IActionResult> Ledger([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "accounts/{accountId}/ledger")] HttpRequest request,
        string accountId, [DurableClient] DurableTaskClient client) =>
        HttpAnswers.Guarded(request, settings, async () =>
        {
            if (!Answers.TryRouteId(accountId, "accountId", out var problem) || !Answers.TryPaging(request, out var after, out var limit, out problem))
                return problem!;
            if (await Read(client, accountId) is null)
                return NoAccount(accountId);
            var events = await tables.ReadLedger(accountId, after, limit, request.HttpContext.RequestAborted);
            return Results.Json(new Contract.Page<EventResponse>(events.Select(Representations.Event).ToList(),
                events.Count == limit ? events[^1].Sequence : null), Representations.Json);
        });

    /// <summary>Calls the account entity for one write and returns its answer (the only way to get an answer from an entity).</summary>
    [Function(nameof(AccountWrite))]
    public static Task<EntityAnswer> AccountWrite([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var write = context.GetInput<AccountWrite>()!;
        return context.Entities.CallEntityAsync<EntityAnswer>(AccountEntity.Id(write.AccountId), nameof(AccountEntity.Write), write);
    }

    private Task<IActionResult> Write(HttpRequest request, DurableTaskClient client, Func<Task<(AccountWrite? Write, IResult? Problem)>> parse) =>
        HttpAnswers.Guarded(request, settings, async () =>
        {
            var (write, problem) = await parse();
            if (write is null)
                return problem!;
            var (done, answer) = await Orchestrations.RunAsync<EntityAnswer>(client, nameof(AccountWrite), write, settings.WriteTimeoutSeconds,
                request.HttpContext.RequestAborted);
            return done ? await EntityAnswers.ToResult(answer!) : EntityAnswers.Pending();
        });

    internal static async Task<AccountState?> Read(DurableTaskClient client, string accountId)
    {
        var entity = await client.Entities.GetEntityAsync<AccountRecord>(AccountEntity.Id(accountId));
        return entity is { IncludesState: true, State.Account: { } account } ? account.ToState() : null;
    }

    private static IResult NoAccount(string accountId) => Problems.For(new Rejection(RejectionKind.NotFound, $"No account '{accountId}'."));
}
