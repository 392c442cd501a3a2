// Surface of Microsoft.Azure.Functions.Worker.Extensions.ServiceBus. See SOURCES.md.
using Azure.Messaging.ServiceBus;
using AzureReferenceSurface;

namespace Microsoft.Azure.Functions.Worker
{
    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class ServiceBusTriggerAttribute : Attribute
    {
        public ServiceBusTriggerAttribute(string queueName) => throw CompileOnly.Unavailable();

        public ServiceBusTriggerAttribute(string topicName, string subscriptionName) => throw CompileOnly.Unavailable();

        public string? Connection { get => throw CompileOnly.Unavailable(); set => throw CompileOnly.Unavailable(); }

        public bool AutoCompleteMessages { get => throw CompileOnly.Unavailable(); set => throw CompileOnly.Unavailable(); }
    }

    public class ServiceBusMessageActions
    {
        protected ServiceBusMessageActions() => throw CompileOnly.Unavailable();

        public virtual Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) =>
            throw CompileOnly.Unavailable();

        public virtual Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = default,
            CancellationToken cancellationToken = default) => throw CompileOnly.Unavailable();

        public virtual Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, Dictionary<string, object>? propertiesToModify = default,
            string? deadLetterReason = default, string? deadLetterErrorDescription = default, CancellationToken cancellationToken = default) =>
            throw CompileOnly.Unavailable();
    }
}
