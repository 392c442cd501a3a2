using BillingFunctions.Accounts;
using BillingFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace BillingFunctions.Transfers;

/// <summary><c>POST /api/transfers</c>: runs the <see cref="TransferOrchestration"/> and answers with both accounts.</summary>
public sealed class TransferFunctions(BillingSettings settings)
{
    [Function("StartTransfer")]
    public Task<IActionResult> Transfer([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "transfers")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        HttpAnswers.Guarded(request, settings, async () =>
        {
            var (transfer, problem) = await WriteRequests.Transfer(request);
            if (transfer is null)
                return problem!;
            var (done, answer) = await Orchestrations.RunAsync<EntityAnswer>(client, nameof(TransferOrchestration.Transfer), transfer,
                settings.WriteTimeoutSeconds, request.HttpContext.RequestAborted);
            return done ? await EntityAnswers.ToResult(answer!) : EntityAnswers.Pending();
        });
}
