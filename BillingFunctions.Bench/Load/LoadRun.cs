using System.Diagnostics;
using BillingFunctions.Bench.Reporting;

namespace BillingFunctions.Bench.Load;

/// <summary>Whether an operation was a write or a read, and whether it got the answer it expected.</summary>
internal readonly record struct Done(OperationKind Kind, bool Ok);

internal enum OperationKind { Write, Read }

/// <summary>
/// Closed-loop load: <c>workers</c> callers, each issuing its next operation as soon as the previous one is
/// answered, for a warm-up (not counted) and then a measured period. Every operation is timed.
/// </summary>
internal static class LoadRun
{
    public static async Task<LoadResult> RunAsync(string stage, int workers, TimeSpan warmup, TimeSpan duration,
        Func<int, long, Random, Task<Done>> operation, ProgressLine progress, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var measureFrom = warmup.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
        var stopAt = measureFrom + duration.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
        var perWorker = new WorkerTally[workers];
        var tasks = new Task[workers];
        for (var w = 0; w < workers; w++)
        {
            var worker = w;
            perWorker[w] = new WorkerTally();
            tasks[w] = Task.Run(async () =>
            {
                var random = new Random(worker);
                var tally = perWorker[worker];
                for (long sequence = 0; !cancellation.IsCancellationRequested; sequence++)
                {
                    var started = clock.ElapsedTicks;
                    if (started >= stopAt)
                        return;
                    var done = await operation(worker, sequence, random);
                    var ended = clock.ElapsedTicks;
                    if (started < measureFrom)
                        continue;
                    if (!done.Ok)
                        tally.Failed++;
                    (done.Kind == OperationKind.Write ? tally.Writes : tally.Reads).Add((ended - started) * 1_000_000 / Stopwatch.Frequency);
                }
            }, cancellation);
        }

        var all = Task.WhenAll(tasks);
        var total = (long)(warmup + duration).TotalSeconds;
        while (await Task.WhenAny(all, Task.Delay(250, cancellation)) != all)
            progress.Report(stage, Math.Min(total, (long)clock.Elapsed.TotalSeconds), total);
        await all;
        progress.Done();
        return new LoadResult(
            duration.TotalSeconds,
            new Latencies(perWorker.SelectMany(t => t.Writes)),
            new Latencies(perWorker.SelectMany(t => t.Reads)),
            perWorker.Sum(t => t.Failed));
    }

    private sealed class WorkerTally
    {
        public List<long> Writes { get; } = new(1 << 14);
        public List<long> Reads { get; } = new(1 << 14);
        public long Failed;
    }
}

/// <summary>The measured period of a load run: latencies in microseconds, per kind of operation.</summary>
internal sealed record LoadResult(double Seconds, Latencies Writes, Latencies Reads, long Failed)
{
    public double PerSecond => (Writes.Count + Reads.Count) / Seconds;

    /// <summary>The rows every throughput scenario reports for one case.</summary>
    public IEnumerable<Measurement> Rows(string @case, string unit, string? target)
    {
        yield return new Measurement(@case, "throughput", PerSecond, $"{unit}/s", target);
        if (Writes.Count > 0)
        {
            yield return new Measurement(@case, "write latency p50", Writes.Percentile(50) / 1000.0, "ms");
            yield return new Measurement(@case, "write latency p99", Writes.Percentile(99) / 1000.0, "ms");
        }
        if (Reads.Count > 0)
        {
            yield return new Measurement(@case, "read latency p50", Reads.Percentile(50) / 1000.0, "ms");
            yield return new Measurement(@case, "read latency p99", Reads.Percentile(99) / 1000.0, "ms");
        }
        yield return new Measurement(@case, "failed", Failed, "operations", "0");
    }
}
