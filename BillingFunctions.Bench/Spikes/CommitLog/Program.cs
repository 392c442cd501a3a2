using System.Runtime.InteropServices;
using BillingFunctions.Bench.Spikes.CommitLog;
using BillingFunctions.Bench.Spikes.CommitLog.Candidates;
using BillingFunctions.Bench.Spikes.CommitLog.Measurements;
using BillingFunctions.Bench.Spikes.CommitLog.Reporting;

if (args.Length > 0 && args[0] == CrashWriter.Command) return await CrashWriter.RunAsync(args);
if (args.Contains("--help")) { Console.WriteLine(Options.Help); return 0; }

var options = Options.Parse(args);
var measured = Candidate.Measured.Where(c => options.Candidates.Contains(c.Option)).ToList();
var workRoot = Path.Combine(options.WorkRoot, $"commitlog-spike-{Environment.ProcessId}");
Directory.CreateDirectory(workRoot);
var directoryNumber = 0;
string FreshDirectory() => Path.Combine(workRoot, $"{directoryNumber++}");
void Progress(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

var throughput = new Dictionary<(string Candidate, int Appenders, int Batch), List<ThroughputResult>>();
var scans = new Dictionary<string, List<ScanResult>>();
var recoveries = new List<List<RecoveryOutcome>>();

try
{
    for (var run = 1; run <= options.Runs; run++)
    {
        foreach (var appenders in new[] { 1, 2 })
        {
            if (!options.Sections.Contains(appenders == 1 ? "throughput" : "concurrent")) continue;
            foreach (var batch in options.BatchSizes)
            foreach (var candidate in measured)
            {
                var directory = FreshDirectory();
                var result = await Throughput.MeasureAsync(candidate, directory, batch, appenders,
                    TimeSpan.FromSeconds(options.WarmupSeconds), TimeSpan.FromSeconds(options.Seconds));
                Directory.Delete(directory, recursive: true);
                Progress($"run {run}: {candidate.Name}, {appenders} appender(s), batch {batch}: {result.BatchesPerSecond:N0} batches/s, p50 {result.P50Milliseconds:N2} ms, p99 {result.P99Milliseconds:N2} ms");
                GetOrAdd(throughput, (candidate.Name, appenders, batch)).Add(result);
            }
        }

        if (options.Sections.Contains("scan"))
            foreach (var candidate in measured)
            {
                var directory = FreshDirectory();
                var result = await ScanAndTruncate.MeasureAsync(candidate, directory, options.ScanRecords);
                Directory.Delete(directory, recursive: true);
                Progress($"run {run}: {candidate.Name} scan {result.ScanSeconds:N2} s, truncate {result.TruncateMilliseconds:N1} ms, consistent {result.Consistent}");
                GetOrAdd(scans, candidate.Name).Add(result);
            }

        if (options.Sections.Contains("recovery"))
        {
            var outcomes = new List<RecoveryOutcome>();
            foreach (var (writer, readers) in new[]
                     {
                         (Candidate.Faster, new[] { Candidate.Faster }),
                         (Candidate.FasterFastCommit, new[] { Candidate.FasterFastCommit }),
                         (Candidate.RocksDb, new[] { Candidate.RocksDb, Candidate.RocksDbPointInTime, Candidate.RocksDbAbsolute }),
                     })
            {
                if (!measured.Contains(writer)) continue;
                var directory = FreshDirectory();
                outcomes.AddRange(Recovery.Check(writer, readers, directory, options.CrashRecords, options.CrashBatch));
                Directory.Delete(directory, recursive: true);
            }
            Progress($"run {run}: recovery checked ({outcomes.Count} cases)");
            recoveries.Add(outcomes);
        }
    }
}
finally
{
    Directory.Delete(workRoot, recursive: true);
}

Console.WriteLine($"# Commit log: FasterLog versus RocksDB");
Console.WriteLine();
Console.WriteLine($"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; " +
                  $"work directory under {options.WorkRoot}; {Record.Size}-byte records; medians of {options.Runs} run(s), every run's value in brackets.");
foreach (var candidate in measured) Console.WriteLine($"- {candidate.Name}: {candidate.Description}");
Console.WriteLine();

if (throughput.Count > 0)
{
    Console.WriteLine($"## Durable batches ({options.Seconds:0.#} s per case after {options.WarmupSeconds:0.#} s warm-up; each batch durable before its appender sends the next)");
    Console.WriteLine();
    Console.WriteLine(Markdown.Table(
        ["candidate", "appenders", "batch", "batches/s", "records/s", "p50 ms", "p99 ms", "CPU µs/record"],
        throughput.Select(entry => (IReadOnlyList<string>)
        [
            entry.Key.Candidate, entry.Key.Appenders.ToString(), entry.Key.Batch.ToString("N0"),
            Markdown.MedianOfRuns(entry.Value.Select(r => r.BatchesPerSecond).ToList()),
            Markdown.Number(Stats.Median(entry.Value.Select(r => r.RecordsPerSecond))),
            Markdown.Number(Stats.Median(entry.Value.Select(r => r.P50Milliseconds)), 2),
            Markdown.Number(Stats.Median(entry.Value.Select(r => r.P99Milliseconds)), 2),
            Markdown.Number(Stats.Median(entry.Value.Select(r => r.CpuMicrosecondsPerRecord)), 2),
        ])));
    Console.WriteLine();
}

if (scans.Count > 0)
{
    Console.WriteLine($"## Scan {options.ScanRecords:N0} records from the middle of {2L * options.ScanRecords:N0}, truncate the first half, reopen");
    Console.WriteLine();
    Console.WriteLine(Markdown.Table(
        ["candidate", "load (durable batches of 4,096), records/s", "load, CPU µs/record", "scan, s", "scan, records/s", "truncate, ms", "first read after truncate, ms", "compaction, s", "disk before → after", "reopen, ms", "checks"],
        scans.Select(entry => (IReadOnlyList<string>)
        [
            entry.Key,
            Markdown.Number(Stats.Median(entry.Value.Select(r => r.LoadRecordsPerSecond))),
            Markdown.Number(Stats.Median(entry.Value.Select(r => r.LoadCpuMicrosecondsPerRecord)), 2),
            Markdown.MedianOfRuns(entry.Value.Select(r => r.ScanSeconds).ToList(), 2),
            Markdown.Number(options.ScanRecords / Stats.Median(entry.Value.Select(r => r.ScanSeconds))),
            Markdown.MedianOfRuns(entry.Value.Select(r => r.TruncateMilliseconds).ToList(), 1),
            Markdown.Number(Stats.Median(entry.Value.Select(r => r.FirstReadAfterTruncateMilliseconds)), 2),
            Markdown.Number(Stats.Median(entry.Value.Select(r => r.CompactSeconds)), 2),
            $"{Markdown.Bytes(Stats.Median(entry.Value.Select(r => (double)r.BytesBeforeTruncate)))} → {Markdown.Bytes(Stats.Median(entry.Value.Select(r => (double)r.BytesAfterTruncate)))}",
            Markdown.Number(Stats.Median(entry.Value.Select(r => r.ReopenMilliseconds)), 1),
            entry.Value.All(r => r.Consistent) ? "all passed" : "**FAILED**",
        ])));
    Console.WriteLine();
}

if (recoveries.Count > 0)
{
    Console.WriteLine($"## Recovery after a crash ({options.CrashRecords:N0} acknowledged records in batches of {options.CrashBatch}, then {CrashWriter.UnacknowledgedRecords} not waited for, then Environment.FailFast)");
    Console.WriteLine();
    var first = recoveries[0];
    Console.WriteLine(Markdown.Table(
        ["reader", "damage before reopening", "what reopening and reading from the start gave", "open, ms", "same in every run"],
        first.Select((outcome, i) => (IReadOnlyList<string>)
        [
            outcome.Reader, outcome.Damage, outcome.Outcome,
            Markdown.Number(Stats.Median(recoveries.Select(r => r[i].OpenMilliseconds)), 1),
            recoveries.All(r => r[i].Outcome == outcome.Outcome) ? "yes" : "**no**",
        ])));
    Console.WriteLine();
}
return 0;

static List<T> GetOrAdd<TKey, T>(Dictionary<TKey, List<T>> map, TKey key) where TKey : notnull
{
    if (!map.TryGetValue(key, out var list)) map[key] = list = [];
    return list;
}
