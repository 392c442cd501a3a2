using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Holds;
using BillingFunctions.Core.Transfers;
using BillingFunctions.Server.Storage;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Server.Engine;

/// <summary>A unit of work for the writer loop. <c>Apply</c> runs on the writer thread; results are released only after commit.</summary>
internal abstract class WriteRequest
{
    public abstract void Apply(UnitOfWork work, long now);
    public virtual void Complete() { }
    public virtual void Fail(Exception error) { }
}

/// <summary>A request with an answer for its caller, given only after the batch it belongs to is durable.</summary>
internal abstract class AnsweredRequest : WriteRequest
{
    private readonly TaskCompletionSource<WriteResult> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WriteResult? _result;

    public Task<WriteResult> Answer => _answer.Task;

    public override void Complete() => _answer.TrySetResult(_result ?? throw new InvalidOperationException("Applied without a result."));
    public override void Fail(Exception error) => _answer.TrySetException(error);

    protected void Result(WriteResult result) => _result = result;

    /// <summary>The replayed answer, a conflict, or null when this operation id is new (or its answer has expired).</summary>
    protected static WriteResult? Replay(UnitOfWork work, string? key, string fingerprint, long now)
    {
        if (key is null || work.FindIdempotency(key, now) is not { } record)
            return null;
        return record.Fingerprint == fingerprint
            ? new Written(record.Status, record.Body, Replayed: true)
            : new Refused(new Rejection(RejectionKind.IdempotencyConflict,
                "This operation id was already used for a different request."));
    }

    protected static Refused UnknownAccount(string accountId) =>
        new(new Rejection(RejectionKind.NotFound, $"No account '{accountId}'."));
}

internal sealed class OpenAccountRequest(string accountId, string currency, string? cutoffUrl, int? lowBalanceWarningSeconds,
    Func<AccountState, bool, Rendered> render) : AnsweredRequest
{
    public override void Apply(UnitOfWork work, long now)
    {
        work.TryGetAccount(accountId, out var existing);
        var outcome = AccountDecider.Open(existing, accountId, currency, cutoffUrl, lowBalanceWarningSeconds, now);
        if (outcome.Rejection is { } rejection)
        {
            Result(new Refused(rejection));
            return;
        }
        if (existing is not null)
        {
            var rendered = render(AccountDecider.Decide(existing, new Wake(), now).State, false);
            Result(new Written(rendered.Status, rendered.Body, false));
            return;
        }
        var created = render(outcome.State, true); // rendered before anything enters the batch: a throw leaves no trace
        work.Apply(outcome.State, outcome, now);
        Result(new Written(created.Status, created.Body, false));
    }
}

/// <summary>Any single-account command: credit, debit, rate, holds.</summary>
internal sealed class AccountRequest(string accountId, AccountCommand command, string? idempotencyKey, string fingerprint,
    Func<AccountState, Outcome, Rendered> render) : AnsweredRequest
{
    public override void Apply(UnitOfWork work, long now)
    {
        if (Replay(work, idempotencyKey, fingerprint, now) is { } replay)
        {
            Result(replay);
            return;
        }
        if (!work.TryGetAccount(accountId, out var state))
        {
            Result(UnknownAccount(accountId));
            return;
        }
        var outcome = AccountDecider.Decide(state, command, now);
        if (outcome.Rejection is { } rejection)
        {
            Result(new Refused(Explain(work, rejection)));
            return;
        }
        var rendered = render(state, outcome); // rendered before anything enters the batch: a throw leaves no trace
        work.Apply(state, outcome, now);
        if (idempotencyKey is not null)
            work.Remember(new IdempotencyRecord(idempotencyKey, fingerprint, rendered.Status, rendered.Body, now));
        Result(new Written(rendered.Status, rendered.Body, false));
    }

    /// <summary>The decider knows only active holds; history tells "already captured" apart from "never existed".</summary>
    private Rejection Explain(UnitOfWork work, Rejection rejection)
    {
        var holdId = command switch { CaptureHold c => c.HoldId, ReleaseHold r => r.HoldId, _ => null };
        if (rejection.Kind != RejectionKind.NotFound || holdId is null || work.FindHold(accountId, holdId) is not { } hold)
            return rejection;
        return new Rejection(RejectionKind.HoldState, $"Hold '{holdId}' is already {hold.Status.ToString().ToLowerInvariant()}.");
    }
}

internal sealed class TransferRequest(string from, string to, string transferId, Money amount, string fingerprint,
    Func<TransferOutcome, Rendered> render) : AnsweredRequest
{
    public override void Apply(UnitOfWork work, long now)
    {
        var key = $"transfer|{transferId}";
        if (Replay(work, key, fingerprint, now) is { } replay)
        {
            Result(replay);
            return;
        }
        if (!work.TryGetAccount(from, out var source))
        {
            Result(UnknownAccount(from));
            return;
        }
        if (!work.TryGetAccount(to, out var target))
        {
            Result(UnknownAccount(to));
            return;
        }
        var outcome = TransferDecider.Decide(source, target, transferId, amount, now);
        if (outcome.Rejection is { } rejection)
        {
            Result(new Refused(rejection));
            return;
        }
        var rendered = render(outcome); // rendered before anything enters the batch: a throw leaves no trace
        work.Apply(source, outcome.From, now);
        work.Apply(target, outcome.To, now);
        work.Remember(new IdempotencyRecord(key, fingerprint, rendered.Status, rendered.Body, now));
        Result(new Written(rendered.Status, rendered.Body, false));
    }
}

/// <summary>A timer fired for an account. If nothing is due any more (it was topped up meanwhile) nothing is written.</summary>
internal sealed class WakeRequest(string accountId) : WriteRequest
{
    public override void Apply(UnitOfWork work, long now)
    {
        if (work.TryGetAccount(accountId, out var state))
            work.Apply(state, AccountDecider.Decide(state, new Wake(), now), now);
    }
}

/// <summary>Records the progress of a cut-off delivery (attempt made, delivered, given up).</summary>
internal sealed class DeliveryUpdateRequest(CutoffDelivery delivery) : WriteRequest
{
    public override void Apply(UnitOfWork work, long now) => work.Batch.Deliveries.Add(delivery);
}
