using System.Diagnostics;
using BillingFunctions.Bench.Spikes.CommitLog.Candidates;
using BillingFunctions.Bench.Spikes.CommitLog.Reporting;

namespace BillingFunctions.Bench.Spikes.CommitLog.Measurements;

sealed record ScanResult(
    double LoadRecordsPerSecond,
    double LoadCpuMicrosecondsPerRecord,
    double ScanSeconds,
    double TruncateMilliseconds,
    double FirstReadAfterTruncateMilliseconds,
    double CompactSeconds,
    long BytesBeforeTruncate,
    long BytesAfterTruncate,
    double ReopenMilliseconds,
    bool Consistent);

/// <summary>
/// Loads 2·N records (durable batches of 4,096), scans N of them from the middle as a projector catching up would,
/// drops the first half, and reopens. Every step checks the sequence numbers it sees.
/// </summary>
static class ScanAndTruncate
{
    const int LoadBatch = 4096;

    public static async Task<ScanResult> MeasureAsync(Candidate candidate, string directory, int scanRecords)
    {
        var total = 2L * scanRecords;
        var consistent = true;
        var log = candidate.Open(directory);
        try
        {
            var batch = new RecordBatch(LoadBatch);
            long middle = -1;
            var load = Stopwatch.StartNew();
            var loadCpu = Process.GetCurrentProcess().TotalProcessorTime;
            for (long sequence = 0; sequence < total; sequence += LoadBatch)
            {
                batch.Fill(sequence);
                var first = await log.AppendAsync(batch.Records, durable: true);
                if (sequence <= scanRecords && scanRecords < sequence + LoadBatch)
                    middle = log.ReadFrom(first).Skip((int)(scanRecords - sequence)).First().Position;
            }
            var loadRate = total / load.Elapsed.TotalSeconds;
            var loadCpuPerRecord = (Process.GetCurrentProcess().TotalProcessorTime - loadCpu).TotalMicroseconds / total;

            var scan = Stopwatch.StartNew();
            long seen = 0;
            foreach (var (_, record) in log.ReadFrom(middle))
            {
                consistent &= Record.SequenceOf(record) == scanRecords + seen;
                if (++seen == scanRecords) break;
            }
            var scanSeconds = scan.Elapsed.TotalSeconds;
            consistent &= seen == scanRecords;

            var bytesBefore = Stats.DirectoryBytes(directory);
            var truncate = Stopwatch.StartNew();
            await log.TruncateBeforeAsync(middle);
            var truncateMs = truncate.Elapsed.TotalMilliseconds;

            var firstRead = Stopwatch.StartNew();
            var (_, firstRecord) = log.ReadFrom(log.BeginPosition).First();
            var firstReadMs = firstRead.Elapsed.TotalMilliseconds;
            consistent &= Record.IsIntact(firstRecord, scanRecords);

            var compactSeconds = double.NaN;
            if (log is RocksDbCandidate rocks)
            {
                var compact = Stopwatch.StartNew();
                rocks.CompactBefore(middle);
                compactSeconds = compact.Elapsed.TotalSeconds;
            }
            else
            {
                // FasterLog deletes whole segment files below the new begin address in the background after the commit.
                await WaitUntilSteadyAsync(directory);
            }
            var bytesAfter = Stats.DirectoryBytes(directory);

            var end = log.EndPosition;
            log.Dispose();
            var reopen = Stopwatch.StartNew();
            log = candidate.Open(directory);
            var reopenMs = reopen.Elapsed.TotalMilliseconds;
            consistent &= log.BeginPosition == middle && log.EndPosition == end;
            consistent &= Record.IsIntact(log.ReadFrom(log.BeginPosition).First().Record, scanRecords);

            return new ScanResult(loadRate, loadCpuPerRecord, scanSeconds, truncateMs, firstReadMs, compactSeconds, bytesBefore, bytesAfter,
                reopenMs, consistent);
        }
        finally
        {
            log.Dispose();
        }
    }

    static async Task WaitUntilSteadyAsync(string directory)
    {
        var last = Stats.DirectoryBytes(directory);
        for (var i = 0; i < 50; i++)
        {
            await Task.Delay(100);
            var now = Stats.DirectoryBytes(directory);
            if (now == last && i >= 5) return;
            last = now;
        }
    }
}
