using BillingFunctions.Contract.Requests;
using BillingFunctions.Contract.Writes;

namespace BillingFunctions.Contract.Http;

/// <summary>The host settings that decide how a write request is read: defaults and the allowed callback hosts.</summary>
public sealed record WriteRules(string DefaultCurrency, int DefaultHoldExpirySeconds,
    IReadOnlyList<string> AllowedCallbackHosts, IReadOnlyList<string> AllowedPrivateCallbackHosts);

/// <summary>
/// Write requests read from HTTP: route ids, body, operation id and fingerprint, validated once for both hosts, so the
/// self-hosted server and the Azure Functions app accept and refuse exactly the same requests. The body's shape, types
/// and amounts are read by <see cref="RequestBodies"/>; what is checked here is what a JSON type cannot say: the id
/// alphabet, the currency code, callback URL rules, ranges, and the Idempotency-Key header against the body.
/// </summary>
public static class WriteRequests
{
    private static readonly RequestJson Json = RequestJson.Default;

    public static async Task<(AccountWrite? Write, IResult? Problem)> Open(HttpRequest request, string accountId, WriteRules rules)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem))
            return (null, problem);
        var (body, bodyProblem) = await RequestBodies.ReadAsync(request, Json.OpenAccountBody, whenAbsent: new OpenAccountBody());
        if (body is null)
            return (null, bodyProblem);
        var currency = body.Currency ?? rules.DefaultCurrency;
        if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
            return (null, Invalid("currency"));
        if (body.CutoffUrl is { } url && CallbackUrls.Problem(url, rules.AllowedCallbackHosts, rules.AllowedPrivateCallbackHosts) is { } urlProblem)
            return (null, Problems.Validation(urlProblem));
        if (body.LowBalanceWarningSeconds is < 1 or > BodyFields.MaxLowBalanceWarningSeconds)
            return (null, Invalid("lowBalanceWarningSeconds"));
        return (AccountWrite.Open(accountId, currency, body.CutoffUrl, body.LowBalanceWarningSeconds), null);
    }

    /// <summary>A credit or a debit: <c>{ amount, operationId? }</c>.</summary>
    public static async Task<(AccountWrite? Write, IResult? Problem)> Move(HttpRequest request, string accountId, WriteKind kind)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem))
            return (null, problem);
        var (body, bodyProblem) = await RequestBodies.ReadAsync(request, Json.CreditOrDebitBody);
        if (body is null)
            return (null, bodyProblem);
        if (!Answers.TryOperationId(request, body.OperationId, "operationId", out var operationId, out problem))
            return (null, problem);
        return (AccountWrite.Move(kind, accountId, body.Amount.Units, operationId), null);
    }

    public static async Task<(AccountWrite? Write, IResult? Problem)> Rate(HttpRequest request, string accountId)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem))
            return (null, problem);
        var (body, bodyProblem) = await RequestBodies.ReadAsync(request, Json.RateBody);
        if (body is null)
            return (null, bodyProblem);
        if (!Answers.TryOperationId(request, body.OperationId, "operationId", out var operationId, out problem))
            return (null, problem);
        return (AccountWrite.Rate(accountId, body.RatePerSecond.PicoPerSecond, operationId), null);
    }

    public static async Task<(AccountWrite? Write, IResult? Problem)> Hold(HttpRequest request, string accountId, WriteRules rules)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem))
            return (null, problem);
        var (body, bodyProblem) = await RequestBodies.ReadAsync(request, Json.HoldBody);
        if (body is null)
            return (null, bodyProblem);
        if (!Answers.TryId(body.HoldId, "holdId", out problem))
            return (null, problem);
        if (body.ExpiresInSeconds is < 1 or > BodyFields.MaxExpiresInSeconds)
            return (null, Invalid("expiresInSeconds"));
        if (!Answers.TryOperationId(request, body.OperationId, "operationId", out var operationId, out problem))
            return (null, problem);
        var (holdId, units) = (body.HoldId, body.Amount.Units);
        var seconds = body.ExpiresInSeconds ?? rules.DefaultHoldExpirySeconds;
        return (AccountWrite.New(WriteKind.Hold, accountId, operationId ?? $"hold:{holdId}", $"hold:{holdId}:{units}:{seconds}") with
        {
            HoldId = holdId, Amount = units, ExpiresInSeconds = seconds,
        }, null);
    }

    public static async Task<(AccountWrite? Write, IResult? Problem)> Capture(HttpRequest request, string accountId, string holdId)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem) || !Answers.TryRouteId(holdId, "holdId", out problem))
            return (null, problem);
        var (body, bodyProblem) = await RequestBodies.ReadAsync(request, Json.CaptureBody, whenAbsent: new CaptureBody());
        if (body is null)
            return (null, bodyProblem);
        if (!Answers.TryOperationId(request, body.OperationId, "operationId", out var operationId, out problem))
            return (null, problem);
        var units = body.Amount?.Units;
        return (AccountWrite.New(WriteKind.Capture, accountId, operationId ?? $"hold:{holdId}:capture",
            $"capture:{holdId}:{units?.ToString() ?? "all"}") with { HoldId = holdId, Amount = units }, null);
    }

    public static async Task<(AccountWrite? Write, IResult? Problem)> Release(HttpRequest request, string accountId, string holdId)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem) || !Answers.TryRouteId(holdId, "holdId", out problem))
            return (null, problem);
        var (body, bodyProblem) = await RequestBodies.ReadAsync(request, Json.ReleaseBody, whenAbsent: new ReleaseBody());
        if (body is null)
            return (null, bodyProblem);
        if (!Answers.TryOperationId(request, body.OperationId, "operationId", out var operationId, out problem))
            return (null, problem);
        return (AccountWrite.New(WriteKind.Release, accountId, operationId ?? $"hold:{holdId}:release", $"release:{holdId}") with { HoldId = holdId }, null);
    }

    public static async Task<(TransferWrite? Transfer, IResult? Problem)> Transfer(HttpRequest request)
    {
        var (body, bodyProblem) = await RequestBodies.ReadAsync(request, Json.TransferBody);
        if (body is null)
            return (null, bodyProblem);
        if (!Answers.TryId(body.From, "from", out var problem)
            || !Answers.TryId(body.To, "to", out problem)
            || !Answers.TryOperationId(request, body.TransferId, "transferId", out var transferId, out problem))
            return (null, problem);
        if (transferId is null)
            return (null, Problems.Validation("'transferId' (or the Idempotency-Key header) is required."));
        return (new TransferWrite(transferId, body.From, body.To, body.Amount.Units), null);
    }

    /// <summary>Opening (or finding) an account's basket: <c>{ userId }</c>, the platform's name for the account id.</summary>
    public static async Task<(string? AccountId, IResult? Problem)> Basket(HttpRequest request)
    {
        var (body, bodyProblem) = await RequestBodies.ReadAsync(request, Json.BasketBody);
        if (body is null)
            return (null, bodyProblem);
        return Answers.TryId(body.AccountId, "userId", out var problem) ? (body.AccountId, null) : (null, problem);
    }

    /// <summary>Placing an order on a basket: <c>{ userId, basketId, amount }</c>, <c>userId</c> being the account id.</summary>
    public static async Task<(OrderBody? Order, IResult? Problem)> Order(HttpRequest request)
    {
        var (body, bodyProblem) = await RequestBodies.ReadAsync(request, Json.OrderBody);
        if (body is null)
            return (null, bodyProblem);
        if (!Answers.TryId(body.AccountId, "userId", out var problem) || !Answers.TryId(body.BasketId, "basketId", out problem))
            return (null, problem);
        return (body, null);
    }

    private static IResult Invalid(string field) => Problems.Validation(BodyFields.Describe(field)!);
}
