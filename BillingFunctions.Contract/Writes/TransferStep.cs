using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Transfers;

namespace BillingFunctions.Contract.Writes;

/// <summary>What a transfer step produced: the answer, both accounts' changes (null when nothing changed) and the answer to keep.</summary>
public sealed record TransferResult(WriteResult Answer, AccountChange? From, AccountChange? To, IdempotencyRecord? Remember);

/// <summary>
/// The one application step both hosts run for a transfer: replay check, both accounts decided together at one instant
/// (both sides or neither), and the rendered answer with both accounts. The answer is kept under the transfer id.
/// </summary>
public static class TransferStep
{
    public static TransferResult Decide(AccountState? from, AccountState? to, TransferWrite write, long now,
        Func<string, IdempotencyRecord?> findAnswer)
    {
        var key = IdempotencyKeys.Transfer(write.TransferId);
        if (findAnswer(key) is { } stored)
            return new TransferResult(IdempotencyKeys.Replay(stored, write.Fingerprint), null, null, null);
        if (from is null || to is null)
            return Refused(AccountStep.UnknownAccount(from is null ? write.From : write.To));
        var outcome = TransferDecider.Decide(from, to, write.TransferId, new Money(write.Amount), now);
        if (outcome.Rejection is { } rejection)
            return Refused(rejection);
        var answer = Representations.Render(200, new TransferResponse(
            Representations.Account(AccountView.Of(outcome.From.State)), Representations.Account(AccountView.Of(outcome.To.State))));
        return new TransferResult(new Written(answer.Status, answer.Body, false), AccountChange.Of(from, outcome.From),
            AccountChange.Of(to, outcome.To), new IdempotencyRecord(key, write.Fingerprint, answer.Status, answer.Body, now));
    }

    private static TransferResult Refused(Rejection rejection) => new(new Refused(rejection), null, null, null);
}
