namespace BillingFunctions.Server.Queues;

/// <summary>
/// A message on a durable queue. <c>Sequence</c> orders the queue; <c>MessageId</c> is the producer's id, used for
/// duplicate detection; <c>DeliveryCount</c> counts deliveries so far, including ones whose consumer crashed.
/// </summary>
public sealed record QueueMessage(string Queue, long Sequence, string MessageId, string Body, long EnqueuedAt, int DeliveryCount);

/// <summary>A message that could not be handled, kept with the reason for an operator to inspect.</summary>
public sealed record DeadLetter(QueueMessage Message, string Reason, string? Description, long DeadLetteredAt);

/// <summary>One durable change to a queue, written in a group commit like every other change.</summary>
internal abstract record QueueChange(string Queue);

internal sealed record MessageEnqueued(QueueMessage Message) : QueueChange(Message.Queue);

internal sealed record DeliveryCounted(string Queue, long Sequence, int DeliveryCount) : QueueChange(Queue);

internal sealed record MessageCompleted(string Queue, long Sequence) : QueueChange(Queue);

internal sealed record MessageDeadLettered(DeadLetter Letter) : QueueChange(Letter.Message.Queue);

/// <summary>A dead letter put back on its queue as a fresh message (same id and body, a new sequence, no deliveries yet).</summary>
internal sealed record DeadLetterResubmitted(long DeadLetterSequence, QueueMessage Message) : QueueChange(Message.Queue);

/// <summary>Message ids older than the duplicate-detection window are forgotten.</summary>
internal sealed record MessageIdsExpired(string Queue, long EnqueuedBefore) : QueueChange(Queue);
