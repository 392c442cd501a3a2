using System.Diagnostics.Tracing;

namespace BillingFunctions.Bench.Reporting;

/// <summary>
/// Every pause the garbage collector makes in this process while it listens: from the runtime suspending managed
/// threads to resuming them, taken from the runtime's own GC events. A pause stops the server and the bench alike,
/// so a lateness or latency tail that matches the longest pause is the collector's, not the code's.
/// </summary>
internal sealed class GcPauses : EventListener
{
    // The runtime's event source and its GC keyword, as documented for the .NET runtime events.
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const int SuspendBegin = 9;   // GCSuspendEEBegin_V1
    private const int RestartEnd = 3;     // GCRestartEEEnd_V1

    private readonly Lock _gate = new();
    private readonly List<long> _pauses = [];
    private DateTime? _suspendedAt;
    private volatile bool _listening;

    /// <summary>Pauses recorded so far, in microseconds.</summary>
    public Latencies Pauses
    {
        get { lock (_gate) return new Latencies(_pauses); }
    }

    /// <summary>Starts recording (earlier pauses are forgotten).</summary>
    public void Start()
    {
        lock (_gate)
        {
            _pauses.Clear();
            _suspendedAt = null;
        }
        _listening = true;
    }

    /// <summary>Stops recording and returns the pauses since <see cref="Start"/>, in microseconds.</summary>
    public Latencies Stop()
    {
        _listening = false;
        return Pauses;
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == RuntimeSource)
            EnableEvents(source, EventLevel.Informational, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_listening)
            return;
        lock (_gate)
        {
            if (e.EventId == SuspendBegin)
                _suspendedAt = e.TimeStamp;
            else if (e.EventId == RestartEnd && _suspendedAt is { } since)
            {
                _pauses.Add((long)(e.TimeStamp - since).TotalMicroseconds);
                _suspendedAt = null;
            }
        }
    }
}
