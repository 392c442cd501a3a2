// Surface of Azure.Messaging.ServiceBus. BinaryData (System.Memory.Data) and TokenCredential (Azure.Core) are real. See SOURCES.md.
using Azure.Core;
using AzureReferenceSurface;

namespace Azure.Messaging.ServiceBus
{
    public class ServiceBusClient : IAsyncDisposable
    {
        public ServiceBusClient(string connectionString) => throw CompileOnly.Unavailable();

        public ServiceBusClient(string fullyQualifiedNamespace, TokenCredential credential) => throw CompileOnly.Unavailable();

        public virtual ServiceBusSender CreateSender(string queueOrTopicName) => throw CompileOnly.Unavailable();

        public virtual ValueTask DisposeAsync() => throw CompileOnly.Unavailable();
    }

    public class ServiceBusSender : IAsyncDisposable
    {
        protected ServiceBusSender() => throw CompileOnly.Unavailable();

        public virtual Task SendMessageAsync(ServiceBusMessage message, CancellationToken cancellationToken = default) =>
            throw CompileOnly.Unavailable();

        public virtual ValueTask DisposeAsync() => throw CompileOnly.Unavailable();
    }

    public class ServiceBusMessage
    {
        public ServiceBusMessage(string body) => throw CompileOnly.Unavailable();

        public string MessageId { get => throw CompileOnly.Unavailable(); set => throw CompileOnly.Unavailable(); }

        public string ContentType { get => throw CompileOnly.Unavailable(); set => throw CompileOnly.Unavailable(); }

        public string Subject { get => throw CompileOnly.Unavailable(); set => throw CompileOnly.Unavailable(); }
    }

    public class ServiceBusReceivedMessage
    {
        internal ServiceBusReceivedMessage() => throw CompileOnly.Unavailable();

        public BinaryData Body => throw CompileOnly.Unavailable();

        public string MessageId => throw CompileOnly.Unavailable();

        public int DeliveryCount => throw CompileOnly.Unavailable();
    }
}
