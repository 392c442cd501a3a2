using System.Text.Json.Serialization;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Orders;

namespace BillingFunctions.Accounts;

/// <summary>One side of a transfer, decided by each entity at the instant the orchestration chose, with the answer both sides keep for replays.</summary>
public sealed record TransferLeg(string TransferId, string From, string To, long Amount, long At, string Fingerprint, int Status, string Body);

/// <summary>
/// An order attempt to charge: the basket as the baskets table holds it, and the queue message. The account id keeps the
/// JSON name <c>UserId</c> it was stored under, so orchestrations already under way read their input.
/// </summary>
public sealed record ChargeRequest(StoredBasket Basket, string BasketId, [property: JsonPropertyName("UserId")] string AccountId, long Amount,
    int Attempt);

/// <summary>The scheduled self-signal: which wake it is (stale generations do nothing) and the instant it is for.</summary>
public sealed record WakeSignal(long At, int Generation);

/// <summary>What an entity operation answers: a rendered response (replayed or new), or a rejection that changed nothing.</summary>
public sealed record EntityAnswer(int Status, string? Body, bool Replayed, Rejection? Rejection)
{
    public static EntityAnswer Refused(Rejection rejection) => new(0, null, false, rejection);

    public static EntityAnswer From(WriteResult result) => result switch
    {
        Written written => new EntityAnswer(written.Status, written.Body, written.Replayed, null),
        Refused refused => Refused(refused.Rejection),
        _ => throw new InvalidOperationException($"Unknown write result {result}."),
    };
}

/// <summary>What the order consumer learns from the entity: the decision for one attempt (new or remembered).</summary>
public sealed record PaymentDecision(Core.Orders.Disposition Disposition, StoredBasket? Basket, StoredResult? Result, string? Reason, bool Changed);

/// <summary>Work an entity operation hands to the outside world; carried out by the entity shell after the operation.</summary>
public abstract record Dispatch;

/// <summary>Signal this entity's own <c>Wake</c> at the instant (a durable timer inside the task hub).</summary>
public sealed record ArmWake(WakeSignal Signal) : Dispatch;

/// <summary>Write the events to the ledger and call the cut-off webhook for depletions, outside the entity, with retries.</summary>
public sealed record RecordEvents(EventBatch Batch) : Dispatch;

/// <summary>Events of one operation on one account, with their ids, and the cut-off calls they owe.</summary>
public sealed record EventBatch(string AccountId, IReadOnlyList<StoredEvent> Events, IReadOnlyList<CutoffCall> Cutoffs)
{
    /// <summary>Deterministic: the same batch always gets the same orchestration instance id.</summary>
    public string InstanceId => $"events:{AccountId}:{Events[0].Sequence}";
}
