using Azure.Messaging.ServiceBus;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>
/// Stand-in for the Service Bus extension's settlement actions: the real type's virtual members and its protected
/// constructor, which the real package provides for tests to derive from. The real type settles through the Functions
/// host; there is no host behind the stand-in, so its own bodies refuse.
/// </summary>
public class ServiceBusMessageActions
{
    protected ServiceBusMessageActions()
    {
    }

    public virtual Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) =>
        throw NoHost();

    public virtual Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = default,
        CancellationToken cancellationToken = default) => throw NoHost();

    public virtual Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, Dictionary<string, object>? propertiesToModify = default,
        string? deadLetterReason = default, string? deadLetterErrorDescription = default, CancellationToken cancellationToken = default) =>
        throw NoHost();

    private static NotSupportedException NoHost() => new(
        "Built with the Service Bus extension stand-in: messages can only be settled by the real " +
        "Microsoft.Azure.Functions.Worker.Extensions.ServiceBus package under the Functions host.");
}
