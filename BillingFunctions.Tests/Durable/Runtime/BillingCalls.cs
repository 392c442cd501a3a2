using System.Text.Json;
using BillingFunctions.Accounts;
using BillingFunctions.Transfers;

namespace BillingFunctions.Tests.Durable.Runtime;

/// <summary>The app's account and transfer routes, called as their HTTP triggers (the route values become arguments).</summary>
public static class BillingCalls
{
    public static Task<HttpAnswer> Open(this DurableRuntime runtime, string accountId, object? body = null) =>
        runtime.CallAsync<AccountFunctions>((f, request) => f.Open(request, accountId, runtime.Client), "PUT", Json(body));

    public static Task<HttpAnswer> Credit(this DurableRuntime runtime, string accountId, string amount, string? operationId = null) =>
        runtime.CallAsync<AccountFunctions>((f, request) => f.Credit(request, accountId, runtime.Client), "POST", Json(new { amount }), operationId);

    public static Task<HttpAnswer> Debit(this DurableRuntime runtime, string accountId, string amount, string? operationId = null) =>
        runtime.CallAsync<AccountFunctions>((f, request) => f.Debit(request, accountId, runtime.Client), "POST", Json(new { amount }), operationId);

    public static Task<HttpAnswer> SetRate(this DurableRuntime runtime, string accountId, string ratePerSecond, string? operationId = null) =>
        runtime.CallAsync<AccountFunctions>((f, request) => f.SetRate(request, accountId, runtime.Client), "PUT", Json(new { ratePerSecond }), operationId);

    public static Task<HttpAnswer> Account(this DurableRuntime runtime, string accountId) =>
        runtime.CallAsync<AccountFunctions>((f, request) => f.Get(request, accountId, runtime.Client), "GET");

    public static Task<HttpAnswer> Ledger(this DurableRuntime runtime, string accountId) =>
        runtime.CallAsync<AccountFunctions>((f, request) => f.Ledger(request, accountId, runtime.Client), "GET");

    public static Task<HttpAnswer> Transfer(this DurableRuntime runtime, string from, string to, string amount, string transferId) =>
        runtime.CallAsync<TransferFunctions>((f, request) => f.Transfer(request, runtime.Client), "POST", Json(new { from, to, amount, transferId }));

    /// <summary>The account entity's record as the runtime stores it.</summary>
    public static async Task<AccountRecord?> Record(this DurableRuntime runtime, string accountId) =>
        (await runtime.Client.Entities.GetEntityAsync<AccountRecord>(AccountEntity.Id(accountId)))?.State;

    /// <summary>An account id no other test uses (the ledger and delivery tables are shared by every task hub).</summary>
    public static string NewAccountId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    private static string? Json(object? body) => body is null ? null : JsonSerializer.Serialize(body);
}
