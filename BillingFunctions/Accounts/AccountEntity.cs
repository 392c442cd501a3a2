using BillingFunctions.Contract.Telemetry;
using BillingFunctions.Effects;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;

namespace BillingFunctions.Accounts;

/// <summary>
/// The durable entity of one account (key = account id). A thin shell: each public method is an operation that runs
/// <see cref="AccountBook"/> on the entity's record and hands out what it asked for — wakes become scheduled
/// self-signals, events and cut-offs become an orchestration (deterministic instance id) that records and calls them.
/// Signals and scheduled orchestrations are committed together with the state by the Durable runtime.
/// Every operation first drops the answers past the idempotency retention, so the state stays one window's worth.
/// </summary>
public sealed class AccountEntity(TimeProvider clock, BillingSettings settings, BillingInstruments instruments) : TaskEntity<AccountRecord>
{
    public const string Name = "account";

    public static EntityInstanceId Id(string accountId) => new(Name, accountId);

    public EntityAnswer Write(AccountWrite write) => Counted(Carry(AccountBook.Write(State, write, Now(), settings.IdempotencyRetention)));

    public void Wake(WakeSignal signal) => Carry(AccountBook.Wake(Current(), signal, Now()));

    public EntityAnswer Transfer(TransferLeg leg) =>
        Counted(Carry(AccountBook.Transfer(State, leg, Context.Id.Key, Now(), settings.IdempotencyRetention)));

    public PaymentDecision Pay(ChargeRequest request)
    {
        var decision = AccountBook.Pay(Current(), request, Now(), out var dispatches);
        Carry(dispatches);
        return decision;
    }

    public void ConfirmPayment(string attemptId) => AccountBook.ConfirmPayment(Current(), attemptId);

    /// <summary>The record without expired answers: the transfer orchestration replays a transfer id from it.</summary>
    public AccountRecord Read() => Current();

    [Function(Name)]
    public static Task Dispatch([EntityTrigger] TaskEntityDispatcher dispatcher) => dispatcher.DispatchAsync<AccountEntity>();

    protected override AccountRecord InitializeState(TaskEntityOperation entityOperation) => new();

    private long Now() => clock.GetUtcNow().UtcTicks;

    /// <summary>The state with expired answers dropped (<c>Write</c> and <c>Transfer</c> drop them in <see cref="AccountBook"/>).</summary>
    private AccountRecord Current()
    {
        AccountBook.ForgetExpiredAnswers(State, Now(), settings.IdempotencyRetention);
        return State;
    }

    /// <summary>
    /// Counts a write the entity accepted (not a refusal, not a replay). The runtime commits it with the entity's state; an
    /// operation it runs again after a failed commit is counted again.
    /// </summary>
    private EntityAnswer Counted(EntityAnswer answer)
    {
        if (answer.Rejection is null && !answer.Replayed)
            instruments.WriteAccepted();
        return answer;
    }

    private EntityAnswer Carry(Step step)
    {
        Carry(step.Dispatches);
        return step.Answer;
    }

    private void Carry(IReadOnlyList<Dispatch> dispatches)
    {
        foreach (var dispatch in dispatches)
        {
            switch (dispatch)
            {
                case ArmWake arm:
                    Context.SignalEntity(Context.Id, nameof(Wake), arm.Signal,
                        new SignalEntityOptions { SignalTime = new DateTimeOffset(arm.Signal.At, TimeSpan.Zero) });
                    break;
                case RecordEvents record:
                    Context.ScheduleNewOrchestration(nameof(EventRecording.RecordEvents), record.Batch,
                        new StartOrchestrationOptions(record.Batch.InstanceId));
                    break;
                default:
                    throw new InvalidOperationException($"Unknown dispatch {dispatch}.");
            }
        }
    }
}
