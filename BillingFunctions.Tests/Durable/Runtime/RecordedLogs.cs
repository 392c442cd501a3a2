using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace BillingFunctions.Tests.Durable.Runtime;

/// <summary>
/// Warnings and errors from the Durable runtime and the app's functions, kept so a failing test can say what the
/// runtime reported (an orchestration that failed, an activity that threw) instead of only that a result never came.
/// </summary>
public sealed class RecordedLogs : ILoggerProvider
{
    private const int Kept = 200;
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => _lines.ToArray();

    /// <summary>The last lines, for a failure message.</summary>
    public string Tail(int count = 20) => string.Join('\n', Lines.TakeLast(count));

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Kept && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Recorder(RecordedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                logs.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.GetType().Name + ": " + exception.Message)}");
        }
    }
}
