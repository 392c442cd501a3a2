using Azure.Identity;
using Azure.Messaging.ServiceBus;
using BillingFunctions.Core.Orders;

namespace BillingFunctions.Orders;

/// <summary>Sends order messages and publishes payment results, each with its attempt id as the Service Bus message id.</summary>
public sealed class OrderBus : IAsyncDisposable
{
    private readonly ServiceBusClient _client;
    private readonly ServiceBusSender _orders;
    private readonly ServiceBusSender _results;

    public OrderBus(BillingSettings settings)
    {
        // Managed identity when the namespace is configured (no shared key); otherwise a connection string (the emulator).
        _client = settings.ServiceBusNamespace is { } ns
            ? new ServiceBusClient(ns, new DefaultAzureCredential())
            : new ServiceBusClient(settings.ServiceBusConnection ?? throw new InvalidOperationException(
                "Set ServiceBusConnection__fullyQualifiedNamespace (managed identity) or ServiceBusConnection (a connection string)."));
        _orders = _client.CreateSender(BillingSettings.OrdersQueue);
        _results = _client.CreateSender(BillingSettings.ResultsTopic);
    }

    public Task Send(OrderMessage message, CancellationToken cancellation) =>
        _orders.SendMessageAsync(new ServiceBusMessage(OrderWire.Write(message))
        {
            MessageId = message.MessageId, ContentType = "application/json", Subject = "order",
        }, cancellation);

    public Task Publish(PaymentResult result, CancellationToken cancellation) =>
        _results.SendMessageAsync(new ServiceBusMessage(OrderWire.Write(result))
        {
            MessageId = result.ResultId, ContentType = "application/json", Subject = OrderWire.Status(result.Status),
        }, cancellation);

    public async ValueTask DisposeAsync()
    {
        await _orders.DisposeAsync();
        await _results.DisposeAsync();
        await _client.DisposeAsync();
    }
}
