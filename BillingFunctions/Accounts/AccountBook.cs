using BillingFunctions.Core.Holds;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Identity;
using BillingFunctions.Core.Orders;
using BillingFunctions.Orders;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Accounts;

/// <summary>The outcome of one entity operation: its answer, and the work to hand out afterwards.</summary>
public sealed record Step(EntityAnswer Answer, IReadOnlyList<Dispatch> Dispatches);

/// <summary>
/// The account entity's operations as plain code: each takes the entity's record and <c>now</c>, asks the core decider,
/// and, only when it accepts, updates the record and lists what must happen outside (events to record, cut-offs to
/// call, the next wake to arm). No business rule lives here; the entity shell only carries the record and the dispatches.
/// </summary>
public static class AccountBook
{
    public static Step Write(AccountRecord record, AccountWrite write, long now, IdempotencyRetention retention)
    {
        ForgetExpiredAnswers(record, now, retention);
        var before = record.Account?.ToState();
        var step = AccountStep.Write(before, write, now, record.FindAnswer, record.FindResolvedHold);
        if (step.Remember is { } remember)
            record.Answers[remember.Key] = StoredAnswer.From(remember);
        return step.Change is { } change ? Commit(record, change, EntityAnswer.From(step.Answer), now) : new Step(EntityAnswer.From(step.Answer), []);
    }

    /// <summary>
    /// A scheduled wake. Only the armed generation acts (older signals were superseded by an earlier instant); one that
    /// arrives before its instant re-arms itself. The core decides what is due; a wake with nothing due changes nothing visible.
    /// </summary>
    public static Step Wake(AccountRecord record, WakeSignal signal, long now)
    {
        if (record.Account is null || signal.Generation != record.WakeGeneration || record.WakeAt != signal.At)
            return new Step(Nothing, []);
        if (now < signal.At)
            return new Step(Nothing, [new ArmWake(signal)]);
        record.WakeAt = null;
        var before = record.Account.ToState();
        return Commit(record, AccountChange.Of(before, AccountDecider.Decide(before, new Wake(), now)), Nothing, now);
    }

    /// <summary>
    /// One side of a transfer, at the instant the orchestration decided both sides (it holds both entities' locks).
    /// <paramref name="now"/> is the entity's own instant: the answer kept for the transfer id ages from it.
    /// </summary>
    public static Step Transfer(AccountRecord record, TransferLeg leg, string accountId, long now, IdempotencyRetention retention)
    {
        ForgetExpiredAnswers(record, now, retention);
        if (record.Account is null)
            return Refuse(AccountStep.UnknownAccount(accountId));
        var key = IdempotencyKeys.Transfer(leg.TransferId);
        if (record.FindAnswer(key) is { } stored)
            return new Step(EntityAnswer.From(IdempotencyKeys.Replay(stored, leg.Fingerprint)), []);
        var before = record.Account.ToState();
        AccountCommand command = accountId == leg.From
            ? new TransferOut(leg.TransferId, leg.To, new Money(leg.Amount))
            : new TransferIn(leg.TransferId, leg.From, new Money(leg.Amount));
        var outcome = AccountDecider.Decide(before, command, leg.At);
        if (outcome.Rejection is { } rejection)
            return Refuse(rejection);
        record.Answers[key] = new StoredAnswer(leg.Fingerprint, leg.Status, leg.Body, now);
        return Commit(record, AccountChange.Of(before, outcome), new EntityAnswer(leg.Status, leg.Body, false, null), now);
    }

    /// <summary>
    /// Charges an order attempt at most once: an attempt this entity already decided returns that decision and charges
    /// nothing; otherwise <see cref="OrderDecider.Charge"/> decides against the balance, atomically with it (the entity
    /// runs one operation at a time), and the decision is remembered until the baskets table confirms it.
    /// </summary>
    public static PaymentDecision Pay(AccountRecord record, ChargeRequest request, long now, out IReadOnlyList<Dispatch> dispatches)
    {
        dispatches = [];
        var attemptId = OrderMessage.AttemptId(request.BasketId, request.Attempt);
        if (record.Payments.TryGetValue(attemptId, out var decided))
            return new PaymentDecision(decided.Disposition, decided.Basket, decided.Result, null, Changed: false);

        var message = new OrderMessage(request.BasketId, request.AccountId, new Money(request.Amount), request.Attempt);
        var before = record.Account?.ToState();
        var charge = OrderDecider.Charge(request.Basket.ToBasket(), message, before, now);
        if (charge.Disposition != Disposition.Complete || charge.Basket is null || charge.Result is null)
            return new PaymentDecision(charge.Disposition, null, null, charge.Reason, Changed: false);

        var basket = StoredBasket.From(charge.Basket);
        var result = StoredResult.From(charge.Result);
        if (charge.Account is { } outcome)
        {
            dispatches = Commit(record, AccountChange.Of(before!, outcome), Nothing, now).Dispatches;
            record.Payments[attemptId] = new StoredPayment(charge.Disposition, basket, result);
        }
        return new PaymentDecision(charge.Disposition, basket, result, null, Changed: charge.Account is not null);
    }

    /// <summary>
    /// Drops the answers the retention no longer keeps, so the record (read and written whole by the runtime on every
    /// operation) holds only the answers of one window. An expired id is then simply new.
    /// </summary>
    public static void ForgetExpiredAnswers(AccountRecord record, long now, IdempotencyRetention retention)
    {
        foreach (var (key, answer) in record.Answers)
            if (!retention.Keeps(answer.RecordedAt, now))
                record.Answers.Remove(key); // allowed while enumerating a Dictionary
        foreach (var (holdId, resolved) in record.ResolvedHolds)
            if (!retention.Keeps(resolved.RecordedAt, now))
                record.ResolvedHolds.Remove(holdId);
    }

    /// <summary>The baskets table now holds the decision: the entity need not remember it any longer.</summary>
    public static void ConfirmPayment(AccountRecord record, string attemptId) => record.Payments.Remove(attemptId);

    /// <summary>Stores an accepted change on the record and lists what must happen outside: events to record, the wake to arm.</summary>
    private static Step Commit(AccountRecord record, AccountChange change, EntityAnswer answer, long now)
    {
        record.Account = StoredAccount.From(change.State);
        foreach (var hold in change.Holds)
        {
            if (hold.Status == HoldStatus.Active)
                record.ResolvedHolds.Remove(hold.HoldId); // the id is in use again
            else
                record.ResolvedHolds[hold.HoldId] = new ResolvedHold(hold.Status, now);
        }
        var dispatches = new List<Dispatch>();
        if (change.Events.Count > 0)
        {
            var events = change.Events.Select(e => new StoredEvent(e.Version, e.EventId, e.Event)).ToList();
            dispatches.Add(new RecordEvents(new EventBatch(change.State.AccountId, events, change.Cutoffs)));
        }
        // One armed wake per account: arm only when the next instant is earlier than the armed one. A later instant needs
        // nothing: the armed wake fires first, finds nothing due, and arms the real next instant.
        if (change.WakeAt is { } wakeAt && (record.WakeAt is not { } armed || wakeAt < armed))
        {
            record.WakeAt = wakeAt;
            record.WakeGeneration++;
            dispatches.Add(new ArmWake(new WakeSignal(wakeAt, record.WakeGeneration)));
        }
        return new Step(answer, dispatches);
    }

    private static Step Refuse(Rejection rejection) => new(EntityAnswer.Refused(rejection), []);

    private static readonly EntityAnswer Nothing = new(204, null, false, null);
}
