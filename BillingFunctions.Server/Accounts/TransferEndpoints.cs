using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Api;

namespace BillingFunctions.Server.Accounts;

/// <summary>Transfers between two accounts of one currency: both sides in one commit, or neither.</summary>
public static class TransferEndpoints
{
    public static void MapTransfers(this IEndpointRouteBuilder api) =>
        api.MapPost("/transfers", Transfer).AcceptsJson<TransferBody>().Produces<TransferResponse>();

    private static async Task<IResult> Transfer(HttpRequest request, BillingEngine engine)
    {
        var (transfer, problem) = await WriteRequests.Transfer(request);
        return transfer is null ? problem! : await EngineAnswers.From(() => engine.Transfer(transfer));
    }
}
