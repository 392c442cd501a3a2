using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;

namespace BillingFunctions.Tests.Durable.Runtime;

/// <summary>
/// The settlement actions a Service Bus trigger is given, recorded instead of sent to a broker (none runs here). The
/// Service Bus extension documents deriving from <see cref="ServiceBusMessageActions"/> through its protected
/// constructor for exactly this.
/// </summary>
public sealed class RecordingMessageActions : ServiceBusMessageActions
{
    private readonly ConcurrentQueue<Settlement> _settlements = new();

    public IReadOnlyList<Settlement> Settlements => _settlements.ToArray();

    public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
    {
        _settlements.Enqueue(new Settlement("complete", message.MessageId, null, null));
        return Task.CompletedTask;
    }

    public override Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = default,
        CancellationToken cancellationToken = default)
    {
        _settlements.Enqueue(new Settlement("abandon", message.MessageId, null, null));
        return Task.CompletedTask;
    }

    public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, Dictionary<string, object>? propertiesToModify = default,
        string? deadLetterReason = default, string? deadLetterErrorDescription = default, CancellationToken cancellationToken = default)
    {
        _settlements.Enqueue(new Settlement("dead-letter", message.MessageId, deadLetterReason, deadLetterErrorDescription));
        return Task.CompletedTask;
    }

    public sealed record Settlement(string Action, string MessageId, string? Reason, string? Description);
}
