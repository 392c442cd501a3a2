using BillingFunctions.Contract.Writes;

namespace BillingFunctions.Contract.Http;

/// <summary>The host settings that decide how a write request is read: defaults and the allowed callback hosts.</summary>
public sealed record WriteRules(string DefaultCurrency, int DefaultHoldExpirySeconds,
    IReadOnlyList<string> AllowedCallbackHosts, IReadOnlyList<string> AllowedPrivateCallbackHosts);

/// <summary>
/// Write requests read from HTTP: route ids, body, operation id and fingerprint, validated once for both hosts, so the
/// self-hosted server and the Azure Functions app accept and refuse exactly the same requests.
/// </summary>
public static class WriteRequests
{
    public static async Task<(AccountWrite? Write, IResult? Problem)> Open(HttpRequest request, string accountId, WriteRules rules)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem))
            return (null, problem);
        var (body, bodyProblem) = await JsonBody.ReadAsync(request, required: false);
        if (body is null)
            return (null, bodyProblem);
        if (!body.TryString("currency", false, out var currency, out problem)
            || !body.TryString("cutoffUrl", false, out var cutoffUrl, out problem)
            || !body.TryInt("lowBalanceWarningSeconds", 1, 30 * 24 * 3600, out var warningSeconds, out problem))
            return (null, problem);
        currency ??= rules.DefaultCurrency;
        if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
            return (null, Problems.Validation("'currency' must be a three-letter upper-case code such as \"USD\"."));
        if (cutoffUrl is not null && CallbackUrls.Problem(cutoffUrl, rules.AllowedCallbackHosts, rules.AllowedPrivateCallbackHosts) is { } urlProblem)
            return (null, Problems.Validation(urlProblem));
        return (AccountWrite.Open(accountId, currency, cutoffUrl, warningSeconds), null);
    }

    /// <summary>A credit or a debit: <c>{ amount, operationId? }</c>.</summary>
    public static async Task<(AccountWrite? Write, IResult? Problem)> Move(HttpRequest request, string accountId, WriteKind kind)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem))
            return (null, problem);
        var (body, bodyProblem) = await JsonBody.ReadAsync(request);
        if (body is null)
            return (null, bodyProblem);
        if (!body.TryMoney("amount", true, out var amount, out problem)
            || !Answers.TryOperationId(request, body, "operationId", out var operationId, out problem))
            return (null, problem);
        return (AccountWrite.Move(kind, accountId, amount!.Value.Units, operationId), null);
    }

    public static async Task<(AccountWrite? Write, IResult? Problem)> Rate(HttpRequest request, string accountId)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem))
            return (null, problem);
        var (body, bodyProblem) = await JsonBody.ReadAsync(request);
        if (body is null)
            return (null, bodyProblem);
        if (!body.TryRate("ratePerSecond", out var rate, out problem)
            || !Answers.TryOperationId(request, body, "operationId", out var operationId, out problem))
            return (null, problem);
        return (AccountWrite.Rate(accountId, rate.PicoPerSecond, operationId), null);
    }

    public static async Task<(AccountWrite? Write, IResult? Problem)> Hold(HttpRequest request, string accountId, WriteRules rules)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem))
            return (null, problem);
        var (body, bodyProblem) = await JsonBody.ReadAsync(request);
        if (body is null)
            return (null, bodyProblem);
        if (!body.TryId("holdId", true, out var holdId, out problem)
            || !body.TryMoney("amount", true, out var amount, out problem)
            || !body.TryInt("expiresInSeconds", 1, 365 * 24 * 3600, out var expiresIn, out problem)
            || !Answers.TryOperationId(request, body, "operationId", out var operationId, out problem))
            return (null, problem);
        var seconds = expiresIn ?? rules.DefaultHoldExpirySeconds;
        return (AccountWrite.New(WriteKind.Hold, accountId, operationId ?? $"hold:{holdId}", $"hold:{holdId}:{amount!.Value.Units}:{seconds}") with
        {
            HoldId = holdId, Amount = amount.Value.Units, ExpiresInSeconds = seconds,
        }, null);
    }

    public static async Task<(AccountWrite? Write, IResult? Problem)> Capture(HttpRequest request, string accountId, string holdId)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem) || !Answers.TryRouteId(holdId, "holdId", out problem))
            return (null, problem);
        var (body, bodyProblem) = await JsonBody.ReadAsync(request, required: false);
        if (body is null)
            return (null, bodyProblem);
        if (!body.TryMoney("amount", false, out var amount, out problem)
            || !Answers.TryOperationId(request, body, "operationId", out var operationId, out problem))
            return (null, problem);
        return (AccountWrite.New(WriteKind.Capture, accountId, operationId ?? $"hold:{holdId}:capture",
            $"capture:{holdId}:{amount?.Units.ToString() ?? "all"}") with { HoldId = holdId, Amount = amount?.Units }, null);
    }

    public static async Task<(AccountWrite? Write, IResult? Problem)> Release(HttpRequest request, string accountId, string holdId)
    {
        if (!Answers.TryRouteId(accountId, "accountId", out var problem) || !Answers.TryRouteId(holdId, "holdId", out problem))
            return (null, problem);
        var (body, bodyProblem) = await JsonBody.ReadAsync(request, required: false);
        if (body is null)
            return (null, bodyProblem);
        if (!Answers.TryOperationId(request, body, "operationId", out var operationId, out problem))
            return (null, problem);
        return (AccountWrite.New(WriteKind.Release, accountId, operationId ?? $"hold:{holdId}:release", $"release:{holdId}") with { HoldId = holdId }, null);
    }

    public static async Task<(TransferWrite? Transfer, IResult? Problem)> Transfer(HttpRequest request)
    {
        var (body, bodyProblem) = await JsonBody.ReadAsync(request);
        if (body is null)
            return (null, bodyProblem);
        if (!body.TryId("from", true, out var from, out var problem)
            || !body.TryId("to", true, out var to, out problem)
            || !body.TryMoney("amount", true, out var amount, out problem)
            || !Answers.TryOperationId(request, body, "transferId", out var transferId, out problem))
            return (null, problem);
        if (transferId is null)
            return (null, Problems.Validation("'transferId' (or the Idempotency-Key header) is required."));
        return (new TransferWrite(transferId, from!, to!, amount!.Value.Units), null);
    }
}
