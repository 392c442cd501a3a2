using BillingFunctions.Core.Accounts;
using BillingFunctions.Server.Storage;

namespace BillingFunctions.Server.Engine;

/// <summary>A unit of work for the writer loop. <c>Apply</c> runs on the writer thread; results are released only after commit.</summary>
internal abstract class WriteRequest
{
    public abstract void Apply(UnitOfWork work, long now);
    public virtual void Complete() { }
    public virtual void Fail(Exception error) { }
}

/// <summary>A caller's request: counted against <c>MaxPendingWrites</c> while it waits for the writer.</summary>
internal abstract class CallerRequest : WriteRequest;

/// <summary>A request with an answer for its caller, given only after the batch it belongs to is durable.</summary>
internal abstract class AnsweredRequest<TAnswer> : CallerRequest where TAnswer : class
{
    private readonly TaskCompletionSource<TAnswer> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TAnswer? _result;

    public Task<TAnswer> Answer => _answer.Task;

    public override void Complete() => _answer.TrySetResult(_result ?? throw new InvalidOperationException("Applied without a result."));
    public override void Fail(Exception error) => _answer.TrySetException(error);

    protected void Result(TAnswer result) => _result = result;
}

/// <summary>A write whose answer is the application step's: rendered once, and kept under its operation id for replays.</summary>
internal abstract class AnsweredRequest : AnsweredRequest<WriteResult>;

/// <summary>A write to one account (open, credit, debit, rate, holds), run through the application step both hosts share.</summary>
internal sealed class AccountWriteRequest(AccountWrite write) : AnsweredRequest
{
    public override void Apply(UnitOfWork work, long now)
    {
        var state = work.TryGetAccount(write.AccountId, out var found) ? found : null;
        // The step runs before anything enters the batch: if it throws, the request leaves no trace.
        var step = AccountStep.Write(state, write, now, key => work.FindIdempotency(key, now),
            holdId => work.FindHold(write.AccountId, holdId));
        if (step.Change is { } change)
            work.Apply(change, now);
        if (step.Remember is { } remember)
            work.Remember(remember);
        Result(step.Answer);
    }
}

/// <summary>A transfer: both accounts in the same batch, both sides or neither.</summary>
internal sealed class TransferWriteRequest(TransferWrite write) : AnsweredRequest
{
    public override void Apply(UnitOfWork work, long now)
    {
        var from = work.TryGetAccount(write.From, out var source) ? source : null;
        var to = work.TryGetAccount(write.To, out var target) ? target : null;
        var step = TransferStep.Decide(from, to, write, now, key => work.FindIdempotency(key, now));
        if (step.From is { } debited && step.To is { } credited)
        {
            work.Apply(debited, now);
            work.Apply(credited, now);
        }
        if (step.Remember is { } remember)
            work.Remember(remember);
        Result(step.Answer);
    }
}

/// <summary>A timer fired for an account. If nothing is due any more (it was topped up meanwhile) nothing is written.</summary>
internal sealed class WakeRequest(string accountId) : WriteRequest
{
    public override void Apply(UnitOfWork work, long now)
    {
        if (work.TryGetAccount(accountId, out var state))
            work.Apply(AccountChange.Of(state, AccountDecider.Decide(state, new Wake(), now)), now);
    }
}

/// <summary>Records the progress of a cut-off delivery (attempt made, delivered, given up).</summary>
internal sealed class DeliveryUpdateRequest(CutoffDelivery delivery) : WriteRequest
{
    public override void Apply(UnitOfWork work, long now) => work.Batch.Deliveries.Add(delivery);
}
