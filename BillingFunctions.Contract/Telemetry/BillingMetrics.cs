namespace BillingFunctions.Contract.Telemetry;

/// <summary>One instrument of the <see cref="BillingMetrics.MeterName"/> meter: its name, unit and meaning.</summary>
public sealed record InstrumentDefinition(string Name, string Unit, string Description);

/// <summary>
/// The meter both hosts record on, with every instrument's name, unit and tags, defined once so that a dashboard or an
/// alert reads the same on the self-hosted server and on the Azure Functions app. Names follow the OpenTelemetry
/// semantic-convention style: lower-case, dotted, with UCUM units (<c>ms</c>) or annotations (<c>{write}</c>).
/// docs/operations.md lists them with the host that records each.
/// </summary>
public static class BillingMetrics
{
    public const string MeterName = "BillingFunctions";

    public static readonly InstrumentDefinition WritesCommitted = new("billing.writes.committed", "{write}",
        "Writes committed: on the server every request of a committed group commit, on Azure each write an account entity accepted.");

    public static readonly InstrumentDefinition CommitBatchSize = new("billing.commit.batch_size", "{write}",
        "Writes per group commit (one commit-log record, one flush).");

    public static readonly InstrumentDefinition PendingWrites = new("billing.writes.pending", "{write}",
        "Writes waiting for the writer; past Billing:MaxPendingWrites they are refused 503.");

    public static readonly InstrumentDefinition UnprojectedWrites = new("billing.writes.unprojected", "{write}",
        "Acknowledged writes in the commit log and not yet in the database; past Billing:MaxUnprojectedWrites writes are refused 503.");

    public static readonly InstrumentDefinition CutoffLateness = new("billing.cutoff.lateness", "ms",
        "From an account's zero instant (depletesAt) to the cut-off receiver's 2xx answer.");

    public static readonly InstrumentDefinition WebhookAttempts = new("billing.webhook.attempts", "{attempt}",
        "Cut-off webhook attempts, by outcome.");

    public static readonly InstrumentDefinition WebhookFailures = new("billing.webhook.failures", "{attempt}",
        "Cut-off webhook attempts that got no 2xx, by error type.");

    public static readonly InstrumentDefinition QueueDepth = new("billing.queue.depth", "{message}",
        "Messages on a queue not yet completed or dead-lettered (locked ones included).");

    public static readonly InstrumentDefinition QueueDeadLetters = new("billing.queue.dead_letters", "{message}",
        "Messages in a queue's dead letters.");

    public static readonly InstrumentDefinition Accounts = new("billing.accounts", "{account}", "Accounts held by the server.");

    public static IReadOnlyList<InstrumentDefinition> All { get; } =
        [WritesCommitted, CommitBatchSize, PendingWrites, UnprojectedWrites, CutoffLateness, WebhookAttempts, WebhookFailures, QueueDepth, QueueDeadLetters, Accounts];

    /// <summary>Tag names: the semantic conventions' own where one fits.</summary>
    public static class Tags
    {
        /// <summary>On <see cref="WebhookAttempts"/>: one of <see cref="WebhookOutcome"/>'s values.</summary>
        public const string WebhookOutcome = "billing.webhook.outcome";

        /// <summary>On <see cref="WebhookFailures"/>: see <see cref="WebhookErrorType"/>.</summary>
        public const string ErrorType = "error.type";

        /// <summary>On the queue gauges: the queue's name.</summary>
        public const string Queue = "messaging.destination.name";
    }
}

/// <summary>What became of one cut-off attempt (the <c>billing.webhook.outcome</c> tag).</summary>
public static class WebhookOutcome
{
    /// <summary>The receiver answered 2xx.</summary>
    public const string Delivered = "delivered";

    /// <summary>No 2xx; another attempt follows.</summary>
    public const string Failed = "failed";

    /// <summary>No 2xx, and no attempt follows: past the give-up horizon, or nowhere to call.</summary>
    public const string GaveUp = "gave_up";
}
