using BillingFunctions.Core.Orders;
using BillingFunctions.Server.Engine;

namespace BillingFunctions.Server.Queues;

/// <summary>What a handler decided for one delivery, and why when it is not a plain completion.</summary>
public readonly record struct Handling(Disposition Disposition, string? Reason = null)
{
    public static readonly Handling Complete = new(Disposition.Complete);
}

/// <summary>
/// Runs N concurrent consumers over one queue, settling each delivery the way the handler decided (manual completion,
/// as with a Service Bus trigger whose AutoCompleteMessages is off). A handler that throws gives the message back;
/// one slow or failing message holds up only its own consumer.
/// </summary>
internal sealed class QueueConsumer(DurableQueue queue, int consumers, Func<QueueDelivery, CancellationToken, Task<Handling>> handle, ILogger logger)
{
    private readonly List<Task> _workers = [];

    public void Start(CancellationToken stopping)
    {
        for (var i = 0; i < consumers; i++)
            _workers.Add(Task.Run(() => Consume(stopping)));
    }

    public Task Stopped => Task.WhenAll(_workers);

    private async Task Consume(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var delivery = await queue.ReceiveAsync(stopping).ConfigureAwait(false);
                await Settle(delivery, await Handle(delivery, stopping).ConfigureAwait(false)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is StorageUnavailableException or ObjectDisposedException)
            {
                // The store refused a commit: nothing changed; the message is still on the queue for a later delivery.
                logger.LogWarning(error, "Queue {Queue}: the store is unavailable; consumer pauses", queue.Name);
                await Task.Delay(TimeSpan.FromSeconds(1), stopping).ConfigureAwait(false);
            }
        }
    }

    private async Task<Handling> Handle(QueueDelivery delivery, CancellationToken stopping)
    {
        try
        {
            return await handle(delivery, stopping).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            logger.LogWarning(error, "Queue {Queue}: message {MessageId} failed on delivery {DeliveryCount}; it will be delivered again",
                queue.Name, delivery.Message.MessageId, delivery.Message.DeliveryCount);
            return new Handling(Disposition.Retry, error.Message);
        }
    }

    private async Task Settle(QueueDelivery delivery, Handling handling)
    {
        var settled = handling.Disposition switch
        {
            Disposition.Complete => await queue.CompleteAsync(delivery).ConfigureAwait(false),
            Disposition.DeadLetter => await queue.DeadLetterAsync(delivery, "HandlerRejected", handling.Reason).ConfigureAwait(false),
            _ => queue.Abandon(delivery),
        };
        if (handling.Disposition == Disposition.DeadLetter)
            logger.LogWarning("Queue {Queue}: message {MessageId} dead-lettered: {Reason}", queue.Name, delivery.Message.MessageId, handling.Reason);
        if (!settled)
            logger.LogWarning("Queue {Queue}: lock on message {MessageId} was lost before it was settled; it will be delivered again",
                queue.Name, delivery.Message.MessageId);
    }
}
