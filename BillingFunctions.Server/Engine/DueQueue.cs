namespace BillingFunctions.Server.Engine;

/// <summary>
/// Items due at an instant (UTC ticks), handed to a callback on a dedicated thread once the clock has
/// reached their instant — never before. Used for account wakes and for webhook retries.
/// </summary>
internal sealed class DueQueue<T> : IDisposable
{
    private readonly PriorityQueue<T, long> _queue = new();
    private readonly object _gate = new();
    private readonly Action<T> _onDue;
    private readonly TimeProvider _clock;
    private readonly Thread _thread;
    private bool _stopped;

    public DueQueue(string name, TimeProvider clock, Action<T> onDue)
    {
        _clock = clock;
        _onDue = onDue;
        _thread = new Thread(Run) { IsBackground = true, Name = name, Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    public int Count
    {
        get { lock (_gate) return _queue.Count; }
    }

    public void Schedule(T item, long at)
    {
        lock (_gate)
        {
            _queue.Enqueue(item, at);
            if (_queue.TryPeek(out _, out var head) && head == at)
                Monitor.Pulse(_gate);
        }
    }

    /// <summary>Many items at once (a restart arming every account): one heap build instead of one insert each.</summary>
    public void ScheduleMany(IReadOnlyCollection<(T Item, long At)> items)
    {
        lock (_gate)
        {
            _queue.EnqueueRange(items);
            Monitor.Pulse(_gate);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.Pulse(_gate);
        }
        _thread.Join();
    }

    private void Run()
    {
        var due = new List<T>();
        while (true)
        {
            lock (_gate)
            {
                while (due.Count == 0)
                {
                    if (_stopped)
                        return;
                    var now = _clock.GetUtcNow().UtcTicks;
                    while (_queue.TryPeek(out var item, out var at) && at <= now)
                    {
                        _queue.Dequeue();
                        due.Add(item);
                    }
                    if (due.Count > 0)
                        break;
                    var wait = _queue.TryPeek(out _, out var next) ? next - now : TimeSpan.TicksPerSecond;
                    // Whole milliseconds, rounded up, so we rarely wake early; an early wake just loops.
                    var milliseconds = (int)Math.Min(1000, (wait + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);
                    Monitor.Wait(_gate, milliseconds);
                }
            }
            foreach (var item in due)
                _onDue(item);
            due.Clear();
        }
    }
}
