using BillingFunctions.Core.Orders;
using BillingFunctions.Server.Queues;

namespace BillingFunctions.Server.Engine;

/// <summary>The batch's baskets and queue changes: an overlay like the accounts, published to memory only after the commit.</summary>
internal sealed partial class UnitOfWork
{
    private readonly HashSet<(string Queue, string MessageId)> _enqueuedIds = [];
    private readonly HashSet<(string Queue, long Sequence)> _resubmitted = [];
    private readonly List<Action> _onCommitted = [];

    /// <summary>A basket as of this batch: changed in it, else as committed.</summary>
    public Basket? FindBasket(string basketId) =>
        Batch.Baskets.TryGetValue(basketId, out var basket) ? basket : store.FindBasket(basketId);

    /// <summary>The account's newest unpaid basket as of this batch, if any.</summary>
    public Basket? FindOpenBasket(string accountId)
    {
        Basket? open = null;
        foreach (var basket in Batch.Baskets.Values)
            if (basket.AccountId == accountId && !basket.IsPaid && (open is null || basket.OpenedAt > open.OpenedAt))
                open = basket;
        if (open is not null)
            return open;
        var committed = store.FindOpenBasket(accountId);
        // The batch may already have paid the committed one.
        return committed is not null && Batch.Baskets.TryGetValue(committed.BasketId, out var changed) ? (changed.IsPaid ? null : changed) : committed;
    }

    public void Put(Basket basket) => Batch.Baskets[basket.BasketId] = basket;

    /// <summary>True if this batch already enqueued the id; otherwise notes it.</summary>
    public bool NoteEnqueued(string queue, string messageId) => !_enqueuedIds.Add((queue, messageId));

    /// <summary>True if this batch already resubmitted the dead letter (it is still on disk until the commit); otherwise notes it.</summary>
    public bool NoteResubmitted(string queue, long deadLetterSequence) => !_resubmitted.Add((queue, deadLetterSequence));

    public void Change(QueueChange change) => Batch.QueueChanges.Add(change);

    /// <summary>Runs on the writer after the commit, before any caller hears back: how memory learns what is now durable.</summary>
    public void OnCommitted(Action action) => _onCommitted.Add(action);

    public void PublishCommitted()
    {
        foreach (var action in _onCommitted)
            action();
    }
}
