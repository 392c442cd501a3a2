using BillingFunctions.Accounts;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Transfers;
using BillingFunctions.Core.Amounts;

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
        if (AccountBook.TransferReplay(from, request.TransferId, request.Fingerprint) is { } replayed)
            return new TransferPlan(replayed, null);
        if (from?.Account is null || to?.Account is null)
            return Refused(new Rejection(RejectionKind.NotFound, $"No account '{(from?.Account is null ? request.From : request.To)}'."));
        var outcome = TransferDecider.Decide(from.Account.ToState(), to.Account.ToState(), request.TransferId, new Money(request.Amount), now);
        if (outcome.Rejection is { } rejection)
            return Refused(rejection);
        var rendered = Representations.Render(200, new TransferResponse(
            Representations.Account(AccountView.Of(outcome.From.State)), Representations.Account(AccountView.Of(outcome.To.State))));
        return new TransferPlan(new EntityAnswer(rendered.Status, rendered.Body, false, null),
            new TransferLeg(request.TransferId, request.From, request.To, request.Amount, now, request.Fingerprint, rendered.Status, rendered.Body));
    }

    private static TransferPlan Refused(Rejection rejection) => new(EntityAnswer.Refused(rejection), null);
}
