using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using BillingFunctions.Contract.Telemetry;

namespace BillingFunctions.Tests.Support;

/// <summary>
/// Keeps every measurement made on the <see cref="BillingMetrics"/> meter of one meter factory, through the BCL's own
/// <see cref="MeterListener"/>: the instruments a host records on, read back without an exporter in between.
/// </summary>
public sealed class MeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Recorded> _recorded = new();

    public MeterRecorder(IMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == BillingMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Keep(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Keep(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The measurements of one instrument, in the order they were made.</summary>
    public IReadOnlyList<Recorded> Of(InstrumentDefinition instrument) => _recorded.Where(r => r.Instrument == instrument.Name).ToList();

    public void Dispose() => _listener.Dispose();

    private void Keep(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copied = new Dictionary<string, string?>();
        foreach (var tag in tags)
            copied[tag.Key] = tag.Value?.ToString();
        _recorded.Enqueue(new Recorded(instrument.Name, value, copied));
    }

    public sealed record Recorded(string Instrument, double Value, IReadOnlyDictionary<string, string?> Tags);
}
