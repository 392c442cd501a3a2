using System.Globalization;

namespace BillingFunctions.Bench.Spikes.CommitLog;

/// <summary>The spike's sizes. <c>--quick</c> swaps in small ones; an explicit option still wins.</summary>
sealed record Options(
    int Runs,
    double Seconds,
    double WarmupSeconds,
    int[] BatchSizes,
    int ScanRecords,
    int CrashRecords,
    int CrashBatch,
    string WorkRoot,
    HashSet<string> Sections,
    HashSet<string> Candidates)
{
    public static Options Parse(string[] args)
    {
        var quick = args.Contains("--quick");
        string? Value(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        int Int(string name, int full, int small) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : quick ? small : full;
        double Real(string name, double full, double small) => Value(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : quick ? small : full;

        return new Options(
            Runs: Int("--runs", 3, 1),
            Seconds: Real("--seconds", 3, 0.5),
            WarmupSeconds: Real("--warmup", 0.5, 0.1),
            BatchSizes: (Value("--batches") ?? "1,64,1024").Split(',').Select(int.Parse).ToArray(),
            ScanRecords: Int("--scan-records", 1_000_000, 20_000),
            CrashRecords: Int("--crash-records", 20_000, 2_000),
            CrashBatch: Int("--crash-batch", 100, 100),
            WorkRoot: Value("--directory") ?? Path.GetTempPath(),
            Sections: (Value("--only") ?? "throughput,concurrent,scan,recovery").Split(',').ToHashSet(),
            Candidates: (Value("--candidates") ?? "faster,faster-fast,rocksdb").Split(',').ToHashSet());
    }

    public const string Help = """
        Commit-log spike: FasterLog versus RocksDB as a durable append-only log (fsync'd batches, scan, truncation, recovery).
        Options: --runs N (3)  --seconds S per throughput case (3)  --warmup S (0.5)  --batches 1,64,1024
                 --scan-records N (1,000,000)  --crash-records N (20,000)  --crash-batch N (100)
                 --directory DIR (parent of the temporary work directory; the system temp directory by default)
                 --only throughput,concurrent,scan,recovery  --candidates faster,faster-fast,rocksdb
                 --quick (1 run, small sizes)
        """;
}
