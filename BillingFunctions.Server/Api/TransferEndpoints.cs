using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Transfers;
using BillingFunctions.Server.Engine;

namespace BillingFunctions.Server.Api;

/// <summary>Transfers between two accounts of one currency: both sides in one commit, or neither.</summary>
public static class TransferEndpoints
{
    public static void MapTransfers(this IEndpointRouteBuilder api) =>
        api.MapPost("/transfers", Transfer).Produces<TransferResponse>();

    private static async Task<IResult> Transfer(HttpRequest request, BillingEngine engine)
    {
        var (body, bodyProblem) = await JsonBody.ReadAsync(request);
        if (body is null)
            return bodyProblem!;
        if (!body.TryId("from", true, out var from, out var problem)
            || !body.TryId("to", true, out var to, out problem)
            || !body.TryMoney("amount", true, out var amount, out problem)
            || !Answers.TryOperationId(request, body, "transferId", out var transferId, out problem))
            return problem!;
        if (transferId is null)
            return Problems.Validation("'transferId' (or the Idempotency-Key header) is required.");
        return await EngineAnswers.From(() => engine.Transfer(from!, to!, transferId, amount!.Value, $"{from}>{to}:{amount!.Value.Units}",
            RenderTransfer));
    }

    internal static Rendered RenderTransfer(TransferOutcome outcome) =>
        Representations.Render(200, new TransferResponse(
            Representations.Account(AccountView.Of(outcome.From.State)),
            Representations.Account(AccountView.Of(outcome.To.State))));
}
