using BillingFunctions.Core.Orders;
using BillingFunctions.Server.Queues;

namespace BillingFunctions.Server.Storage;

internal sealed partial class CommitBatch
{
    public Dictionary<string, Basket> Baskets { get; } = new(StringComparer.Ordinal);
    public List<QueueChange> QueueChanges { get; } = [];
    public List<Notification> Notifications { get; } = [];

    private bool HasOrderChanges => Baskets.Count > 0 || QueueChanges.Count > 0 || Notifications.Count > 0;
}
