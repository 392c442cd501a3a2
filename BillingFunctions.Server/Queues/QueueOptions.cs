using System.ComponentModel.DataAnnotations;

namespace BillingFunctions.Server.Queues;

/// <summary>The <c>Billing:Queues</c> section: the semantics of the local stand-in for Service Bus queues.</summary>
public sealed class QueueOptions
{
    /// <summary>How long a consumer holds a message; unsettled by then, it is delivered again.</summary>
    [Range(1, 3600)]
    public int LockDurationSeconds { get; set; } = 30;

    /// <summary>A message delivered this many times without being completed goes to the dead letters.</summary>
    [Range(1, 2000)]
    public int MaxDeliveryCount { get; set; } = 10;

    /// <summary>A message whose id was enqueued within this window is dropped as a duplicate.</summary>
    [Range(0, 7 * 24 * 3600)] // 0: no duplicate detection
    public int DuplicateDetectionWindowSeconds { get; set; } = 600;

    /// <summary>Concurrent consumers of the orders queue.</summary>
    [Range(1, 1024)]
    public int OrderConsumers { get; set; } = 32;

    /// <summary>Concurrent consumers of the payment-results stream (notifications).</summary>
    [Range(1, 1024)]
    public int NotificationConsumers { get; set; } = 8;

    /// <summary>
    /// Fault-test knob, 0 in production: the order consumer waits this long between charging a basket and completing
    /// its message, so a crash test can kill the process in exactly that window.
    /// </summary>
    [Range(0, 60 * 1000)]
    public int CompleteDelayMilliseconds { get; set; }
}
