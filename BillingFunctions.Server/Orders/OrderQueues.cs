using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Queues;
using BillingFunctions.Server.Storage;

namespace BillingFunctions.Server.Orders;

/// <summary>The two durable queues of the order flow: <c>orders</c> (placed orders) and <c>payment-results</c> (their outcomes).</summary>
public sealed class OrderQueues : IDisposable
{
    public const string OrdersName = "orders";
    public const string PaymentResultsName = "payment-results";

    public OrderQueues(BillingEngine engine, SqliteStore store, TimeProvider clock, QueueOptions options)
    {
        Orders = new DurableQueue(OrdersName, engine, store, clock, options);
        PaymentResults = new DurableQueue(PaymentResultsName, engine, store, clock, options);
    }

    public DurableQueue Orders { get; }

    public DurableQueue PaymentResults { get; }

    public IReadOnlyList<DurableQueue> All => [Orders, PaymentResults];

    public DurableQueue? Find(string name) => All.FirstOrDefault(queue => queue.Name == name);

    public void Dispose()
    {
        Orders.Dispose();
        PaymentResults.Dispose();
    }
}
