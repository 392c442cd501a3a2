using BillingFunctions.Accounts;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace BillingFunctions.Transfers;

/// <summary>A transfer: lock both account entities (a critical section), read both, decide, apply both legs, unlock.</summary>
public static class TransferOrchestration
{
    [Function(nameof(Transfer))]
    public static async Task<EntityAnswer> Transfer([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var request = context.GetInput<TransferWrite>()!;
        var now = context.CurrentUtcDateTime.Ticks;
        var from = AccountEntity.Id(request.From);
        var to = AccountEntity.Id(request.To);
        // The same account twice is refused by the core; it is locked once.
        var same = request.From == request.To;
        await using (await context.Entities.LockEntitiesAsync(same ? [from] : [from, to]))
        {
            var fromRecord = await context.Entities.CallEntityAsync<AccountRecord>(from, nameof(AccountEntity.Read));
            var toRecord = same ? fromRecord : await context.Entities.CallEntityAsync<AccountRecord>(to, nameof(AccountEntity.Read));
            var plan = TransferPlan.Decide(fromRecord, toRecord, request, now);
            if (plan.Leg is null)
                return plan.Answer;
            await context.Entities.CallEntityAsync<EntityAnswer>(from, nameof(AccountEntity.Transfer), plan.Leg);
            await context.Entities.CallEntityAsync<EntityAnswer>(to, nameof(AccountEntity.Transfer), plan.Leg);
            return plan.Answer;
        }
    }
}
