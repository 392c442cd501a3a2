using System.Diagnostics;
using BillingFunctions.Bench.Spikes.CommitLog.Candidates;
using BillingFunctions.Bench.Spikes.CommitLog.Reporting;

namespace BillingFunctions.Bench.Spikes.CommitLog.Measurements;

/// <param name="CpuMicrosecondsPerRecord">CPU time of the whole process (every thread, the library's background
/// threads included) during the window, per record made durable.</param>
sealed record ThroughputResult(
    double BatchesPerSecond, double RecordsPerSecond, double P50Milliseconds, double P99Milliseconds, double CpuMicrosecondsPerRecord);

/// <summary>
/// Appenders each loop: fill a batch, append it, wait until it is durable, repeat. Only batches that end inside the
/// measured window (after the warm-up) count; latency is from the first enqueue to "durable".
/// </summary>
static class Throughput
{
    public static async Task<ThroughputResult> MeasureAsync(
        Candidate candidate, string directory, int batchSize, int appenders, TimeSpan warmup, TimeSpan window)
    {
        using var log = candidate.Open(directory);
        var clock = Stopwatch.StartNew();
        var windowStart = warmup;
        var windowEnd = warmup + window;

        var cpu = CpuDuringAsync(clock, windowStart, windowEnd);
        var latencies = await Task.WhenAll(Enumerable.Range(0, appenders).Select(appender => Task.Run(async () =>
        {
            var batch = new RecordBatch(batchSize);
            var measured = new List<double>();
            var sequence = appender * (1L << 40);
            while (clock.Elapsed < windowEnd)
            {
                batch.Fill(sequence);
                sequence += batchSize;
                var started = clock.Elapsed;
                await log.AppendAsync(batch.Records, durable: true);
                var ended = clock.Elapsed;
                if (ended >= windowStart && ended <= windowEnd) measured.Add((ended - started).TotalMilliseconds);
            }
            return measured;
        })));

        var all = latencies.SelectMany(l => l).ToList();
        var batchesPerSecond = all.Count / window.TotalSeconds;
        return new ThroughputResult(batchesPerSecond, batchesPerSecond * batchSize,
            Stats.Percentile(all, 50), Stats.Percentile(all, 99),
            (await cpu).TotalMicroseconds / Math.Max(1, all.Count * batchSize));
    }

    static async Task<TimeSpan> CpuDuringAsync(Stopwatch clock, TimeSpan from, TimeSpan to)
    {
        await Task.Delay(from - clock.Elapsed);
        var start = Process.GetCurrentProcess().TotalProcessorTime;
        await Task.Delay(to - clock.Elapsed);
        return Process.GetCurrentProcess().TotalProcessorTime - start;
    }
}
