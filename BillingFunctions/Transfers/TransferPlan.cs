using BillingFunctions.Accounts;

namespace BillingFunctions.Transfers;

/// <summary>What the transfer orchestration does next: answer at once (replay or rejection), or send both legs.</summary>
public sealed record TransferPlan(EntityAnswer Answer, TransferLeg? Leg)
{
    /// <summary>
    /// Decides a transfer from both accounts' records, read inside the critical section that locks both entities,
    /// so the legs the entities then apply at the same instant decide exactly as here: both or neither.
    /// </summary>
    public static TransferPlan Decide(AccountRecord? from, AccountRecord? to, TransferWrite request, long now)
    {
        var source = from?.Account?.ToState();
        var target = to?.Account?.ToState();
        // The instant both sides are decided at: never before either account was last settled. Each entity applies its
        // leg at this same instant, so it reaches exactly the state decided here.
        var at = Math.Max(now, Math.Max(source?.SettledAt ?? now, target?.SettledAt ?? now));
        // The record comes from the entity's Read, which has already dropped expired answers.
        var step = TransferStep.Decide(source, target, request, at, key => from?.FindAnswer(key));
        if (step.Answer is not Written { Replayed: false } written)
            return new TransferPlan(EntityAnswer.From(step.Answer), null);
        return new TransferPlan(EntityAnswer.From(written),
            new TransferLeg(request.TransferId, request.From, request.To, request.Amount, at, request.Fingerprint, written.Status, written.Body));
    }
}
