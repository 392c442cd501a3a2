using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Holds;
using BillingFunctions.Core.Identity;
using BillingFunctions.Core.Orders;
using BillingFunctions.Core.Transfers;
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
        if (write.Kind == WriteKind.Open)
            return Open(record, write, now);
        if (record.Account is null)
            return Refuse(new Rejection(RejectionKind.NotFound, $"No account '{write.AccountId}'."));
        if (Replay(record, write.Remember ? write.OperationId : null, write.Fingerprint) is { } replayed)
            return new Step(replayed, []);

        var before = record.Account.ToState();
        var outcome = AccountDecider.Decide(before, Command(write, now), now);
        if (outcome.Rejection is { } rejection)
            return Refuse(rejection);
        var answer = Render(write, before, outcome);
        if (write.Remember)
            record.Answers[write.OperationId] = new StoredAnswer(write.Fingerprint, answer.Status, answer.Body!, now);
        return Commit(record, before, outcome, answer);
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
        return Commit(record, before, AccountDecider.Decide(before, new Wake(), now), Nothing);
    }

    /// <summary>
    /// One side of a transfer, at the instant the orchestration decided both sides (it holds both entities' locks).
    /// <paramref name="now"/> is the entity's own instant: the answer kept for the transfer id ages from it.
    /// </summary>
    public static Step Transfer(AccountRecord record, TransferLeg leg, string accountId, long now, IdempotencyRetention retention)
    {
        ForgetExpiredAnswers(record, now, retention);
        if (record.Account is null)
            return Refuse(new Rejection(RejectionKind.NotFound, $"No account '{accountId}'."));
        if (Replay(record, TransferKey(leg.TransferId), leg.Fingerprint) is { } replayed)
            return new Step(replayed, []);
        var before = record.Account.ToState();
        AccountCommand command = accountId == leg.From
            ? new TransferOut(leg.TransferId, leg.To, new Money(leg.Amount))
            : new TransferIn(leg.TransferId, leg.From, new Money(leg.Amount));
        var outcome = AccountDecider.Decide(before, command, leg.At);
        if (outcome.Rejection is { } rejection)
            return Refuse(rejection);
        record.Answers[TransferKey(leg.TransferId)] = new StoredAnswer(leg.Fingerprint, leg.Status, leg.Body, now);
        return Commit(record, before, outcome, new EntityAnswer(leg.Status, leg.Body, false, null));
    }

    /// <summary>
    /// The replayed answer for a transfer id, a conflict, or null when the id is new. The record comes from the entity's
    /// <c>Read</c>, which has already dropped expired answers.
    /// </summary>
    public static EntityAnswer? TransferReplay(AccountRecord? record, string transferId, string fingerprint) =>
        record is null ? null : Replay(record, TransferKey(transferId), fingerprint);

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

        var message = new OrderMessage(request.BasketId, request.UserId, new Money(request.Amount), request.Attempt);
        var before = record.Account?.ToState();
        var charge = OrderDecider.Charge(request.Basket.ToBasket(), message, before, now);
        if (charge.Disposition != Disposition.Complete || charge.Basket is null || charge.Result is null)
            return new PaymentDecision(charge.Disposition, null, null, charge.Reason, Changed: false);

        var basket = StoredBasket.From(charge.Basket);
        var result = StoredResult.From(charge.Result);
        if (charge.Account is { } outcome)
        {
            dispatches = Commit(record, before!, outcome, Nothing).Dispatches;
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
    }

    /// <summary>The baskets table now holds the decision: the entity need not remember it any longer.</summary>
    public static void ConfirmPayment(AccountRecord record, string attemptId) => record.Payments.Remove(attemptId);

    private static Step Open(AccountRecord record, AccountWrite write, long now)
    {
        var existing = record.Account?.ToState();
        var outcome = AccountDecider.Open(existing, write.AccountId, write.Currency!, write.CutoffUrl, write.LowBalanceWarningSeconds, now);
        if (outcome.Rejection is { } rejection)
            return Refuse(rejection);
        var answer = Rendered(existing is null ? 201 : 200, Representations.Account(AccountView.Of(outcome.State)));
        if (existing is not null)
            return new Step(answer, []);
        // The state before the account.created event: its version 0 makes that event sequence 1.
        return Commit(record, AccountState.Open(write.AccountId, write.Currency!, write.CutoffUrl, write.LowBalanceWarningSeconds, now),
            outcome, answer);
    }

    private static AccountCommand Command(AccountWrite write, long now) => write.Kind switch
    {
        WriteKind.Credit => new Credit(write.OperationId, new Money(write.Amount!.Value)),
        WriteKind.Debit => new Debit(write.OperationId, new Money(write.Amount!.Value)),
        WriteKind.Rate => new SetRate(write.OperationId, new Rate(write.RatePicoPerSecond!.Value)),
        WriteKind.Hold => new PlaceHold(write.OperationId, write.HoldId!, new Money(write.Amount!.Value),
            now + TimeSpan.FromSeconds(write.ExpiresInSeconds!.Value).Ticks),
        WriteKind.Capture => new CaptureHold(write.OperationId, write.HoldId!, write.Amount is { } a ? new Money(a) : null),
        WriteKind.Release => new ReleaseHold(write.OperationId, write.HoldId!),
        _ => throw new ArgumentOutOfRangeException(nameof(write), write.Kind, "Not an account command."),
    };

    /// <summary>The same representations as the self-hosted server: the account as of the write, or the hold the request named.</summary>
    private static EntityAnswer Render(AccountWrite write, AccountState before, Outcome outcome)
    {
        var account = Representations.Account(AccountView.Of(outcome.State));
        if (write.HoldId is null)
            return Rendered(200, account);
        var hold = HoldChanges.Of(before, outcome).Last(h => h.HoldId == write.HoldId);
        return Rendered(write.Kind == WriteKind.Hold ? 201 : 200, Representations.Hold(before.AccountId, hold, account));
    }

    /// <summary>Accepts an outcome: the new state, event ids (<c>{accountId}:{version}</c>, stable across retries), and dispatches.</summary>
    private static Step Commit(AccountRecord record, AccountState before, Outcome outcome, EntityAnswer answer)
    {
        record.Account = StoredAccount.From(outcome.State);
        var dispatches = new List<Dispatch>();
        if (outcome.Events.Count > 0)
        {
            var accountId = outcome.State.AccountId;
            var events = outcome.Events.Select((e, i) =>
            {
                var sequence = before.Version + i + 1;
                return new StoredEvent(sequence, $"{accountId}:{sequence}", e);
            }).ToList();
            var cutoffs = outcome.Effects.OfType<CallCutoff>().Select(c =>
            {
                var depleted = events[c.EventIndex];
                return new CutoffCall(depleted.EventId, accountId, c.Url, depleted.Event.Episode, depleted.Event.At);
            }).ToList();
            dispatches.Add(new RecordEvents(new EventBatch(accountId, events, cutoffs)));
        }
        // One armed wake per account: arm only when the next instant is earlier than the armed one. A later instant needs
        // nothing: the armed wake fires first, finds nothing due, and arms the real next instant.
        if (outcome.Effects.OfType<ScheduleWake>().FirstOrDefault() is { } wake && (record.WakeAt is not { } armed || wake.At < armed))
        {
            record.WakeAt = wake.At;
            record.WakeGeneration++;
            dispatches.Add(new ArmWake(new WakeSignal(wake.At, record.WakeGeneration)));
        }
        return new Step(answer, dispatches);
    }

    private static EntityAnswer? Replay(AccountRecord record, string? key, string fingerprint)
    {
        if (key is null || !record.Answers.TryGetValue(key, out var stored))
            return null;
        return stored.Fingerprint == fingerprint
            ? new EntityAnswer(stored.Status, stored.Body, Replayed: true, null)
            : EntityAnswer.Refused(new Rejection(RejectionKind.IdempotencyConflict, "This operation id was already used for a different request."));
    }

    private static string TransferKey(string transferId) => $"transfer:{transferId}";

    private static EntityAnswer Rendered(int status, object body)
    {
        var rendered = Representations.Render(status, body);
        return new EntityAnswer(rendered.Status, rendered.Body, false, null);
    }

    private static Step Refuse(Rejection rejection) => new(EntityAnswer.Refused(rejection), []);

    private static readonly EntityAnswer Nothing = new(204, null, false, null);
}
