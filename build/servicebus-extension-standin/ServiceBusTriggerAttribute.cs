using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>
/// Stand-in for the Service Bus extension's trigger attribute: same constructors and properties, same base type, so
/// the Worker SDK's metadata generator writes a <c>serviceBusTrigger</c> binding from it exactly as from the real one.
/// </summary>
public sealed class ServiceBusTriggerAttribute : TriggerBindingAttribute, ISupportCardinality
{
    /// <param name="queueName">The queue to receive from.</param>
    public ServiceBusTriggerAttribute(string queueName) => QueueName = queueName;

    /// <param name="topicName">The topic to receive from.</param>
    /// <param name="subscriptionName">The subscription of <paramref name="topicName"/> to receive from.</param>
    public ServiceBusTriggerAttribute(string topicName, string subscriptionName)
    {
        TopicName = topicName;
        SubscriptionName = subscriptionName;
    }

    /// <summary>The app setting (or setting prefix, for identity-based connections) that names the namespace.</summary>
    public string? Connection { get; set; }

    public string? QueueName { get; }

    public string? TopicName { get; }

    public string? SubscriptionName { get; }

    public bool IsSessionsEnabled { get; set; }

    /// <summary>False: the function settles each message itself through <see cref="ServiceBusMessageActions"/>.</summary>
    public bool AutoCompleteMessages { get; set; } = true;

    [DefaultValue(false)]
    public bool IsBatched { get; set; }

    Cardinality ISupportCardinality.Cardinality
    {
        get => IsBatched ? Cardinality.Many : Cardinality.One;
        set => IsBatched = value == Cardinality.Many;
    }
}
