using System.Diagnostics.Metrics;

namespace BillingFunctions.Contract.Telemetry;

/// <summary>
/// The instruments of <see cref="BillingMetrics"/> on one meter from the host's <see cref="IMeterFactory"/>, so each
/// host (and each server a test process starts) records on a meter of its own. Recording is cheap when nobody listens:
/// a counter add or a histogram record without a listener returns at once.
/// </summary>
public sealed class BillingInstruments
{
    // Zero instant to the receiver's 2xx: tens of milliseconds when all is well, minutes to hours during an outage.
    private static readonly double[] LatenessBuckets =
        [0, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 86_400_000];

    // Powers of two up to the largest Billing:MaxBatchSize.
    private static readonly long[] BatchBuckets =
        [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_024, 2_048, 4_096, 8_192, 16_384, 32_768, 65_536, 100_000];

    private readonly Meter _meter;
    private readonly Counter<long> _writesCommitted;
    private readonly Histogram<long> _batchSize;
    private readonly Histogram<double> _cutoffLateness;
    private readonly Counter<long> _webhookAttempts;
    private readonly Counter<long> _webhookFailures;

    public BillingInstruments(IMeterFactory meters)
    {
        _meter = meters.Create(BillingMetrics.MeterName);
        _writesCommitted = CreateCounter(BillingMetrics.WritesCommitted);
        _batchSize = _meter.CreateHistogram(BillingMetrics.CommitBatchSize.Name, BillingMetrics.CommitBatchSize.Unit,
            BillingMetrics.CommitBatchSize.Description, tags: null, new InstrumentAdvice<long> { HistogramBucketBoundaries = BatchBuckets });
        _cutoffLateness = _meter.CreateHistogram(BillingMetrics.CutoffLateness.Name, BillingMetrics.CutoffLateness.Unit,
            BillingMetrics.CutoffLateness.Description, tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = LatenessBuckets });
        _webhookAttempts = CreateCounter(BillingMetrics.WebhookAttempts);
        _webhookFailures = CreateCounter(BillingMetrics.WebhookFailures);
    }

    /// <summary>One group commit of <paramref name="writes"/> requests.</summary>
    public void Committed(int writes)
    {
        _writesCommitted.Add(writes);
        _batchSize.Record(writes);
    }

    /// <summary>One write accepted on its own (the Azure app's account entity: no group commits there).</summary>
    public void WriteAccepted() => _writesCommitted.Add(1);

    /// <summary>A cut-off the receiver answered 2xx at <paramref name="answeredAt"/> (UTC ticks), for a zero instant of <paramref name="depletedAt"/>.</summary>
    public void CutoffDelivered(long depletedAt, long answeredAt)
    {
        _webhookAttempts.Add(1, new KeyValuePair<string, object?>(BillingMetrics.Tags.WebhookOutcome, WebhookOutcome.Delivered));
        _cutoffLateness.Record((double)(answeredAt - depletedAt) / TimeSpan.TicksPerMillisecond);
    }

    /// <summary>
    /// A cut-off attempt without a 2xx. <paramref name="outcome"/> is <see cref="WebhookOutcome.Failed"/> when another
    /// attempt follows, <see cref="WebhookOutcome.GaveUp"/> when none does.
    /// </summary>
    public void CutoffAttemptFailed(string errorType, string outcome)
    {
        _webhookAttempts.Add(1, new KeyValuePair<string, object?>(BillingMetrics.Tags.WebhookOutcome, outcome));
        _webhookFailures.Add(1, new KeyValuePair<string, object?>(BillingMetrics.Tags.ErrorType, errorType));
    }

    /// <summary>Reports the writes waiting for the writer on every collection. Call once.</summary>
    public void ObservePendingWrites(Func<int> read) => Gauge(BillingMetrics.PendingWrites, () => new Measurement<long>(read()));

    /// <summary>Reports the writes the database is behind the commit log on every collection. Call once.</summary>
    public void ObserveUnprojectedWrites(Func<long> read) => Gauge(BillingMetrics.UnprojectedWrites, () => new Measurement<long>(read()));

    /// <summary>Reports the number of accounts on every collection. Call once.</summary>
    public void ObserveAccounts(Func<int> read) => Gauge(BillingMetrics.Accounts, () => new Measurement<long>(read()));

    /// <summary>Reports each queue's depth and dead letters on every collection. Call once.</summary>
    public void ObserveQueues(Func<IEnumerable<QueueLevels>> read)
    {
        Gauge(BillingMetrics.QueueDepth, () => read().Select(q => Tagged(q.Depth, q.Queue)));
        Gauge(BillingMetrics.QueueDeadLetters, () => read().Select(q => Tagged(q.DeadLetters, q.Queue)));
    }

    private Counter<long> CreateCounter(InstrumentDefinition definition) =>
        _meter.CreateCounter<long>(definition.Name, definition.Unit, definition.Description);

    private void Gauge(InstrumentDefinition definition, Func<Measurement<long>> observe) =>
        _meter.CreateObservableGauge(definition.Name, observe, definition.Unit, definition.Description);

    private void Gauge(InstrumentDefinition definition, Func<IEnumerable<Measurement<long>>> observe) =>
        _meter.CreateObservableGauge(definition.Name, observe, definition.Unit, definition.Description);

    private static Measurement<long> Tagged(long value, string queue) =>
        new(value, new KeyValuePair<string, object?>(BillingMetrics.Tags.Queue, queue));
}

/// <summary>One queue's levels for the gauges: messages on it and in its dead letters.</summary>
public readonly record struct QueueLevels(string Queue, long Depth, long DeadLetters);
