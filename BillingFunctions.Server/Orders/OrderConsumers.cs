using BillingFunctions.Core.Orders;
using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Queues;

namespace BillingFunctions.Server.Orders;

/// <summary>
/// The two consumers of the order flow, started after the engine: billing takes <c>orders</c> and charges baskets;
/// notifications takes <c>payment-results</c> and records them for their accounts.
/// </summary>
internal sealed class OrderConsumers(OrderQueues queues, BillingEngine engine, QueueOptions options, ILogger<OrderConsumers> logger)
    : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private QueueConsumer? _billing, _notifications;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _billing = new QueueConsumer(queues.Orders, options.OrderConsumers, Charge, logger);
        _notifications = new QueueConsumer(queues.PaymentResults, options.NotificationConsumers, Record, logger);
        _billing.Start(_stopping.Token);
        _notifications.Start(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_billing is not null && _notifications is not null)
            await Task.WhenAll(_billing.Stopped, _notifications.Stopped).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<Handling> Charge(QueueDelivery delivery, CancellationToken stopping)
    {
        if (!OrderWire.TryReadOrder(delivery.Message.Body, out var order, out var unreadable) || order is not { } message)
            return new Handling(Disposition.DeadLetter, unreadable);
        var charge = await engine.Confirm(new ChargeOrderRequest(message, queues.PaymentResults)).ConfigureAwait(false);
        if (charge.Changed)
            logger.LogInformation("Basket {BasketId} attempt {Attempt}: {Status}", message.BasketId, message.Attempt, charge.Result!.Status);
        if (charge.Disposition == Disposition.Complete && options.CompleteDelayMilliseconds > 0)
            await Task.Delay(options.CompleteDelayMilliseconds, stopping).ConfigureAwait(false);
        return new Handling(charge.Disposition, charge.Reason);
    }

    private async Task<Handling> Record(QueueDelivery delivery, CancellationToken stopping)
    {
        if (!OrderWire.TryReadResult(delivery.Message.Body, out var read) || read is not { } result)
            return new Handling(Disposition.DeadLetter, "Not a payment result (malformed body).");
        await engine.Confirm(new RecordNotificationRequest(result)).ConfigureAwait(false);
        return Handling.Complete;
    }
}
